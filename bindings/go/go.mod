module github.com/ocitrust/ocitrust/bindings/go

go 1.22
