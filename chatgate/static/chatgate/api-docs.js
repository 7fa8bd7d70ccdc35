/* chatgate's API documentation page: Swagger UI over the schema named by the page.
   Requests that change something carry Django's CSRF token, so "Try it out"
   works with the staff member's session. */
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  var data = root.dataset;
  window.SwaggerUIBundle({
    url: data.schemaUrl,
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: function (request) {
      if (request.method && request.method !== "GET" && request.method !== "HEAD") {
        request.headers[data.csrfHeader] = data.csrfToken;
      }
      return request;
    },
  });
})();
