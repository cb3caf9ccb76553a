package main

func (e env) importCmd(args []string) error {
	return usageError{"no importable ledgers yet"}
}

func (e env) exportCmd(args []string) error {
	return usageError{"no exportable ledgers yet"}
}
