module chaosload.test/realism

go 1.19
