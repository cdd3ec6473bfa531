module gorustbench/rt

go 1.22
