module example.test/mfa-elements-go

go 1.19
