package sysadmin

import "yingji/internal/kit/notify"

// Inbox answers GET /api/v1/notifications: the user's latest
// notifications (at most 200) and their number.
type Inbox struct {
	Items []notify.Notification `json:"items" schema:"notnull"`
	Total int                   `json:"total"`
}
