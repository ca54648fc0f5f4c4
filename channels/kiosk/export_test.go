package kiosk

// IdleKey is the key-value key of a page session's idle mark (tests).
var IdleKey = idleKey
