package accident

// LevelAnswer answers GET /api/v1/accidents/level: the level the given
// figures reach (its code) and its Chinese name.
type LevelAnswer struct {
	Level string `json:"level"`
	Label string `json:"label"`
}
