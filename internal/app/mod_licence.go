package app

// licenceModule is not built yet.
func (a *App) licenceModule() (*module, error) { return nil, nil }
