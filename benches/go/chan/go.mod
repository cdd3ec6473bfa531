module gorust/benches/chan

go 1.22
