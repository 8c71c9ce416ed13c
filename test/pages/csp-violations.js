// Loaded first: records every Content-Security-Policy violation and page error.
window.violations = [];
window.pageErrors = [];
document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.violatedDirective}: ${e.blockedURI || e.sample}`));
window.addEventListener('error', (e) => window.pageErrors.push(String(e.message)));
