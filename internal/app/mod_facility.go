package app

// facilityModule is not built yet.
func (a *App) facilityModule() (*module, error) { return nil, nil }
