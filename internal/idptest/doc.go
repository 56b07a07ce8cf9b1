// Package idptest exposes the recorded Okta and Microsoft Entra ID request
// sequences of testdata/ (written from the vendors' published documentation;
// testdata/QUIRKS.md cites every source) to the tests and tools of scimkit.
package idptest
