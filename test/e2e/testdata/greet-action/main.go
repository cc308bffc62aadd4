// Command greet-action is the end-to-end tests' action with a declared output: it reads
// ACTION_INPUTS ({"name": text}) and prints one JSON line {"greeting": "hello, <name>"}, the
// output the controller copies into the ActionExecution's status.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	var in struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(os.Getenv("ACTION_INPUTS")), &in); err != nil {
		fmt.Fprintln(os.Stderr, "parse ACTION_INPUTS:", err)
		os.Exit(1)
	}
	line, _ := json.Marshal(map[string]string{"greeting": "hello, " + in.Name})
	fmt.Println(string(line))
}
