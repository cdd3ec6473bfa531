//! Go's sync toolbox: Mutex with starvation mode, RwLock, WaitGroup, Once, Cond, Pool, Map, Semaphore, context, errgroup, singleflight (under construction)
