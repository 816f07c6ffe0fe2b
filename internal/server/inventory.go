package server

// RouteInfo is one line of the route table, as the inventory sees it.
type RouteInfo struct {
	// Name is the metrics label; Method and Pattern are the ServeMux's ("GET",
	// "/api/v1/assets/{type}").
	Name, Method, Pattern string
}

// Routes lists the route table linkd serves (docs/threat-model.md A9): the README's
// compatibility matrix is checked against it, so the matrix follows the table when an
// endpoint is added.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range s.routes() {
		if rt.handler != nil {
			out = append(out, RouteInfo{Name: rt.name, Method: rt.method, Pattern: rt.pattern})
		}
	}
	return out
}
