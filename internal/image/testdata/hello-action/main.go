// Command hello-action is the smallest action: it prints its outputs as one JSON line.
package main

import "fmt"

func main() {
	fmt.Println(`{"greeting":"hello from an action image"}`)
}
