package supervise

// SetAfterBatch sets the hook called after each committed batch of the
// card pass (tests only).
func SetAfterBatch(s *Service, f func(checked int)) { s.afterBatch = f }
