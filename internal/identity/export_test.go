package identity

// TokenHash exposes the stored form of a session token to the tests.
var TokenHash = tokenHash
