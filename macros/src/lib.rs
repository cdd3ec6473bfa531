//! gorust-macros: `#[gorust::main]` and `#[gorust::test]`.
//!
//! Both turn an `async fn` into a plain `fn` that builds a gorust runtime and runs the body
//! with `Runtime::block_on`, so the body runs as Go's main goroutine does: on a P, with its
//! spawns in a local run queue.
//!
//! The body becomes an inner `async fn` with the original return type, so `?`, `return` and
//! type inference behave exactly as written (no async-block inference surprises).
//!
//! Arguments (all optional, comma-separated):
//!
//! | argument               | meaning                                                    |
//! |------------------------|------------------------------------------------------------|
//! | `procs = N`            | number of Ps (default: `GORUST_MAXPROCS` or all CPUs for `main`, 1 for `test`) |
//! | `worker_threads = N`   | tokio's name for `procs`                                   |
//! | `flavor = "current_thread"` / `"multi_thread"` | tokio's flavors: one P / the default |
//! | `crate = "path"`       | where the `gorust` facade is (default `::gorust`)          |

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, Meta, Token};

struct Args {
    procs: Option<Expr>,
    krate: syn::Path,
}

fn parse_args(args: TokenStream, default_procs: Option<Expr>) -> syn::Result<Args> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse(args)?;
    let mut out = Args {
        procs: default_procs,
        krate: syn::parse_quote!(::gorust),
    };
    for meta in metas {
        let nv = match &meta {
            Meta::NameValue(nv) => nv,
            _ => {
                return Err(syn::Error::new(
                    meta.span(),
                    "expected `procs = N`, `worker_threads = N`, `flavor = \"...\"` or `crate = \"...\"`",
                ));
            }
        };
        let name = nv
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        match name.as_str() {
            "procs" | "worker_threads" => out.procs = Some(nv.value.clone()),
            "flavor" => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => match s.value().as_str() {
                    "current_thread" => out.procs = Some(syn::parse_quote!(1)),
                    "multi_thread" => {}
                    other => {
                        return Err(syn::Error::new(
                            s.span(),
                            format!(
                                "unknown flavor `{other}`: use \"current_thread\" or \"multi_thread\""
                            ),
                        ));
                    }
                },
                v => return Err(syn::Error::new(v.span(), "flavor must be a string")),
            },
            "crate" => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => out.krate = s.parse()?,
                v => return Err(syn::Error::new(v.span(), "crate must be a string path")),
            },
            _ => {
                return Err(syn::Error::new(
                    nv.path.span(),
                    format!("unknown argument `{name}`"),
                ));
            }
        }
    }
    Ok(out)
}

fn expand(args: TokenStream, item: TokenStream, is_test: bool) -> TokenStream2 {
    let input: ItemFn = match syn::parse(item) {
        Ok(f) => f,
        Err(e) => return e.to_compile_error(),
    };
    let which = if is_test { "test" } else { "main" };
    if input.sig.asyncness.is_none() {
        return syn::Error::new(
            input.sig.fn_token.span(),
            format!("#[gorust::{which}] needs an `async fn`: add the `async` keyword"),
        )
        .to_compile_error();
    }
    if !input.sig.inputs.is_empty() {
        return syn::Error::new(
            input.sig.inputs.span(),
            format!("#[gorust::{which}] functions take no arguments"),
        )
        .to_compile_error();
    }
    if !input.sig.generics.params.is_empty() {
        return syn::Error::new(
            input.sig.generics.span(),
            format!("#[gorust::{which}] functions cannot be generic"),
        )
        .to_compile_error();
    }
    let default_procs = if is_test {
        Some(syn::parse_quote!(1))
    } else {
        None
    };
    let args = match parse_args(args, default_procs) {
        Ok(a) => a,
        Err(e) => return e.to_compile_error(),
    };
    let krate = &args.krate;
    let procs = args.procs.as_ref().map(|n| quote! { .procs(#n) });
    let attrs = &input.attrs;
    let vis = &input.vis;
    let name = &input.sig.ident;
    let output = &input.sig.output;
    let block = &input.block;
    let inner = syn::Ident::new("__gorust_body", Span::call_site());
    let test_attr = if is_test {
        quote! { #[::core::prelude::v1::test] }
    } else {
        quote! {}
    };
    let run = quote_spanned! {block.span()=>
        #krate::runtime::Builder::new()
            #procs
            .build()
            .expect("failed to build the gorust runtime")
            .block_on(#inner())
    };
    quote! {
        #test_attr
        #(#attrs)*
        #vis fn #name() #output {
            async fn #inner() #output #block
            #run
        }
    }
}

/// Runs `async fn main` on a gorust runtime: the body runs as Go's main goroutine, on a P.
///
/// Accepts `procs = N` (also tokio's `worker_threads = N` and `flavor = "..."`); the default
/// is `GORUST_MAXPROCS` or the available parallelism. `main` may return `()` or a `Result`.
///
/// ```ignore
/// #[gorust::main(procs = 4)]
/// async fn main() -> std::io::Result<()> {
///     gorust::spawn(async { println!("hello from a goroutine") }).await.unwrap();
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, false).into()
}

/// Runs an `async fn` test on its own gorust runtime with one P by default (as
/// `#[tokio::test]` uses one worker); `procs = N` asks for more.
///
/// ```ignore
/// #[gorust::test(procs = 2)]
/// async fn adds() {
///     assert_eq!(gorust::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, true).into()
}
