// Package e2e holds the browser end-to-end walk of the platform's pages
// (e2e_test.go): the personal and unit halls, the admin console and the
// kiosk pages in headless Chromium on the demo platform, with a screenshot
// of each main page in test-output/screenshots/. It has no code for other
// packages to import.
package e2e
