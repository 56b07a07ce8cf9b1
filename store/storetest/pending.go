package storetest

var (
	listTests        = []testCase{}
	cursorTests      = []testCase{}
	tenantTests      = []testCase{}
	outboxTests      = []testCase{}
	concurrencyTests = []testCase{}
	filterTests      = []testCase{}
)
