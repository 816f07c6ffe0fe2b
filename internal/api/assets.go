package api

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/linkd-dev/linkd/internal/problem"
)

// Assets serves the embedded files of a page (scripts, styles, images) under dir of fsys
// at {path...}: JavaScript with a JavaScript MIME type (module scripts need one), never
// sniffed, revalidated on every load, same-origin only; index.html (a template) and
// dot-files are not served. A dir missing from fsys is a build defect: it panics.
func Assets(embedded fs.FS, dir string) HandlerFunc {
	fsys, err := fs.Sub(embedded, dir)
	if err != nil {
		panic(err)
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		name := path.Clean(r.PathValue("path"))
		if name == "index.html" || strings.HasPrefix(name, ".") {
			return problem.RouteNotFound.New("%s: no such asset", r.URL.Path)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return problem.RouteNotFound.New("%s: no such asset", r.URL.Path)
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".mjs") {
			ct = "text/javascript; charset=utf-8"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		hd := w.Header()
		hd.Set("Content-Type", ct)
		hd.Set("Cache-Control", "no-cache")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		w.Write(b)
		return nil
	}
}
