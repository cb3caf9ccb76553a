package app

import (
	"net/http"
	"regexp"
	"strings"

	"yingji/internal/kit/web"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPI describes every registered /api/v1 route (OpenAPI 3.1).
func (a *App) openAPI(w http.ResponseWriter, r *http.Request) {
	paths := map[string]map[string]any{}
	schemas := web.NewSchemas()
	for _, route := range a.Router.Routes() {
		method, path, ok := strings.Cut(route, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		summary := a.apiDocs[route]
		body := a.apiBodies[route]
		ok200 := map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{}}}
		if method == "POST" {
			ok200["description"] = "成功（新建时为 201） / OK (201 when created)"
		}
		responses := map[string]any{
			"400": map[string]any{"description": "格式错误 / Malformed request", "content": errContent},
			"401": map[string]any{"description": "未登录 / Not logged in", "content": errContent},
			"403": map[string]any{"description": "无权限 / Forbidden", "content": errContent},
			"404": map[string]any{"description": "不存在或不在范围内 / Not found or out of scope", "content": errContent},
			"422": map[string]any{"description": "校验失败 / Validation failed", "content": errContent},
		}
		if _, none := body.Out.(web.NoBody); none {
			responses["204"] = map[string]any{"description": "成功，无内容 / Done, no content"}
		} else {
			if sc := schemas.Of(body.Out); sc != nil {
				ok200["content"] = map[string]any{"application/json": map[string]any{"schema": sc}}
			}
			responses["200"] = ok200
		}
		op := map[string]any{
			"summary":     summary,
			"operationId": strings.ToLower(method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(strings.TrimPrefix(path, "/api/v1")),
			"responses":   responses,
		}
		roles := a.Router.PolicyRoles(route)
		if len(roles) > 0 {
			op["x-roles"] = roles
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if method == "POST" || method == "PUT" || method == "PATCH" {
			switch in := body.In.(type) {
			case web.NoBody: // the path says it all
			case web.Content:
				op["requestBody"] = map[string]any{"required": true, "content": map[string]any{string(in): map[string]any{"schema": map[string]any{"type": "string"}}}}
			default:
				sc := schemas.Of(in)
				if sc == nil {
					sc = map[string]any{"type": "object"} // undeclared: TestOpenAPIDescribesEveryBody fails on it
				}
				op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": sc}}}
			}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	components := schemas.Components()
	components["Error"] = errorSchema
	web.JSON(w, http.StatusOK, Document{
		OpenAPI: "3.1.0",
		Info: map[string]any{"title": "Yingji API", "version": Version,
			"description": "县应急管理局业务平台接口。认证：请求头 Authorization: Bearer <令牌>（yingji token create），或登录会话 Cookie。 / Authenticate with a bearer token or a session cookie."},
		Components: map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": web.SessionCookie},
			},
			"schemas": components,
		},
		Security: []map[string][]string{{"bearer": {}}, {"session": {}}},
		Paths:    paths,
	})
}

// Document is the OpenAPI 3.1 description GET /api/v1/openapi.json
// answers (https://spec.openapis.org/oas/v3.1.0).
type Document struct {
	Components map[string]any            `json:"components"`
	Info       map[string]any            `json:"info"`
	OpenAPI    string                    `json:"openapi"`
	Paths      map[string]map[string]any `json:"paths"`
	Security   []map[string][]string     `json:"security"`
}

// errorSchema is the body of every error answer (internal/kit/errs).
var errorSchema = map[string]any{"type": "object", "properties": map[string]any{
	"error": map[string]string{"type": "string"}, "code": map[string]string{"type": "string"}, "field": map[string]string{"type": "string"},
	"fields": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
		"field": map[string]string{"type": "string"}, "reason": map[string]string{"type": "string"}}}}}}

var errContent = map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Error"}}}

// Version is the program version (set at build time with -ldflags).
var Version = "0.1.0-dev"
