// Starts Swagger UI on /docs from the vendored bundle. A file, not an inline script, so that
// the page runs under the same Content-Security-Policy as every other (script-src 'self').
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    if (!root || !window.SwaggerUIBundle) { return; }
    window.ui = window.SwaggerUIBundle({
      url: root.dataset.openapi,
      dom_id: "#swagger-ui",
      layout: "BaseLayout",
      deepLinking: true,
      showExtensions: true,
      showCommonExtensions: true,
      validatorUrl: null,  // the default sends the schema to an outside validator
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset]
    });
  });
})();
