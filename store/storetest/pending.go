package storetest

var (
	tenantTests      = []testCase{}
	outboxTests      = []testCase{}
	concurrencyTests = []testCase{}
	filterTests      = []testCase{}
)
