package web

import (
	"net/http"

	"yingji/internal/kit/auth"
)

// Endpoint is one route of a module, declared once: its pattern, the roles
// that may call it, its handler and, for an /api/v1 route, its OpenAPI
// summary. The policy, the registration and the API description all
// derive from a module's Routes.
type Endpoint struct {
	Pattern string           // "METHOD /path", as http.ServeMux reads it
	Roles   []auth.Role      // who may call it (Public, AnyUser or a list)
	Handler http.HandlerFunc // nil: a kit registers it (the ledger's Excel routes)
	API     string           // OpenAPI summary, Chinese / English (API routes)
	// In and Out describe an API route's JSON request and response
	// bodies for the OpenAPI document (and a page's JSON answer, for the
	// reader): a zero value of the type sent (hazard.Report{}, []T{},
	// PagedList[T]{}, ItemList[T]{}) or a reflect.Type. Empty{} is the
	// body {} of a step without fields, NoBody{} no body at all (In) or a
	// 204 answer (Out), Content("application/xml") a body that is not
	// JSON. An /api/v1 route that answers or reads JSON without them fails
	// TestOpenAPISchemas.
	In, Out any
}

// Bodies are an API route's request and response types (Endpoint.In,
// Endpoint.Out).
type Bodies struct{ In, Out any }

// Routes is a module's route table.
type Routes []Endpoint

// Policy is the route × role table of the routes (a route declared twice
// is a programming error).
func (rs Routes) Policy() Policy {
	p := Policy{}
	for _, r := range rs {
		p.Merge(Policy{r.Pattern: r.Roles})
	}
	return p
}

// API returns the OpenAPI summaries of the routes that have one.
func (rs Routes) API() map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		if r.API != "" {
			out[r.Pattern] = r.API
		}
	}
	return out
}

// Bodies returns the request and response types of the routes that
// declare one.
func (rs Routes) Bodies() map[string]Bodies {
	out := map[string]Bodies{}
	for _, r := range rs {
		if r.In != nil || r.Out != nil {
			out[r.Pattern] = Bodies{In: r.In, Out: r.Out}
		}
	}
	return out
}

// Register adds the routes that have a handler to the router.
func (rs Routes) Register(rt *Router) {
	for _, r := range rs {
		if r.Handler != nil {
			rt.Handle(r.Pattern, r.Handler)
		}
	}
}
