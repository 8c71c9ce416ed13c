// Connects the element to the simulator URL passed in the query string and counts events.
window.events = [];
const source = document.getElementById('source');
source.url = new URLSearchParams(location.search).get('url');
source.addEventListener('kimi:message', (e) => window.events.push(e.detail));
source.connect();
