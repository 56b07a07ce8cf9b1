package storetest

var (
	filterTests      = []testCase{}
)
