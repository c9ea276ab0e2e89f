/** The web UI's page and style sheet (served at /ui and /ui/app.css); the script is app-js.ts. */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hull registry</title>
<link rel="stylesheet" href="/ui/app.css">
</head>
<body>
<header><a class="brand" href="#/">hull registry</a></header>
<p id="status" role="status" aria-live="polite"></p>
<main id="main"><p>Loading…</p></main>
<script src="/ui/app.js"></script>
</body>
</html>
`;

export const APP_CSS = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #fff; }
header { background: #1f3a5f; padding: .6rem 1.2rem; }
header .brand { color: #fff; font-weight: 600; text-decoration: none; }
main { padding: 0 1.2rem 2rem; max-width: 70rem; }
nav { margin: .8rem 0; }
h1 { font-size: 1.5rem; margin: .4rem 0 1rem; }
h2 { font-size: 1.15rem; margin-top: 1.6rem; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e5e8eb; vertical-align: top; word-break: break-word; }
th { background: #f3f5f7; }
code { font: 13px ui-monospace, monospace; }
ul.repos { list-style: none; padding: 0; columns: 2; }
ul.repos li { padding: .2rem 0; }
a { color: #0b57d0; }
a:focus-visible, button:focus-visible, h1:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
button { font: inherit; padding: .2rem .7rem; border: 1px solid #b42318; color: #b42318; background: #fff; border-radius: 4px; cursor: pointer; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
#status { margin: .5rem 1.2rem; min-height: 1.2em; }
#status.error, .error { color: #b42318; }
`;
