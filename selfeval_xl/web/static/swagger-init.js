// The API page (/docs): Swagger UI from this package over the service's own /openapi.json.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui",
                                deepLinking: true, validatorUrl: null });
});
