// OAuth 2.0 Form Post Response Mode: hand the authorization response to the application at once.
// (An inline script would need a CSP exception; this file is same-origin.)
document.getElementById('form-post').submit();
