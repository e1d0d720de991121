// CloudFront Function (viewer request) of the console's default behaviour:
// a path without a file extension is one of the SPA's own routes, so the
// request is answered with index.html and the SPA's router takes over.
function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
