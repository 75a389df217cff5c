module connectionhandling/bench/goreference

go 1.19
