// Command gjj is the housing provident fund platform: one binary that serves
// every channel and runs the batch and maintenance commands. Run `gjj --help`.
package main

import "gjj/internal/cli"

func main() { cli.Main() }
