module chaosload.test/dnsprobe

go 1.19
