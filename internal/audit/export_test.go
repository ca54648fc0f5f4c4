package audit

// HashOf exposes the chain hash to the external tests.
var HashOf = hashOf
