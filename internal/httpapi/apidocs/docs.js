// Renders Ember's OpenAPI document with the vendored Swagger UI. Every URL
// is relative to this page, so the docs also work when Ember is served
// under a path prefix (PHOENIX_HOST_ROOT_PATH).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The default validator is a remote service; the docs stay offline.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
