// Loaded first: records every Content-Security-Policy violation (with the element that caused it) and page error.
window.violations = [];
window.pageErrors = [];
document.addEventListener(
  'securitypolicyviolation',
  (e) => {
    const node = e.composedPath?.()[0];
    const where =
      node && node.nodeType === 1
        ? `<${node.localName} class="${node.getAttribute('class') ?? ''}"> in ${node.getRootNode()?.host?.localName ?? 'document'}`
        : '';
    window.violations.push(`${e.violatedDirective}: ${e.blockedURI || e.sample} ${where}`.trim());
  },
  true,
);
window.addEventListener('error', (e) => window.pageErrors.push(String(e.message)));
