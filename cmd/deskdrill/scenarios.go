package main

import (
	"github.com/spf13/cobra"
)

// newScenariosCmd is replaced once the scenario format lands.
func newScenariosCmd() *cobra.Command {
	return groupCmd("scenarios", "List, show and validate scenarios", "  deskdrill scenarios list")
}
