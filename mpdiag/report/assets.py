"""The report page's style and its one small script (filters, copy buttons), inline so the
page is one self-contained file. The script makes no request (the page's CSP forbids any)."""

from __future__ import annotations

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

CSS = """
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#101828;
background:#f6f7f9}main{max-width:1200px;margin:0 auto;padding:14px 24px 40px}
.meta{color:#475467;font-size:13px;margin:0 0 2px}.replayed{color:#667085;font-size:12px;margin:0 0 8px}
h1{font-size:23px;line-height:1.25;margin:6px 0 4px}h2{font-size:18px;margin:22px 0 8px}
.verdict{border-left:6px solid #98a2b3;padding:8px 14px;background:#fff;border-radius:8px;margin:8px 0}
.verdict.problem{border-color:#c4320a}.verdict.clean{border-color:#12805c}.verdict.could-not-run{border-color:#b54708}
.verdict p{margin:2px 0 0;color:#475467}
.todo{background:#fff;border:1px solid #d0d5dd;border-radius:8px;padding:10px 14px;margin:10px 0}
.todo h2{margin:0 0 4px;font-size:16px}.todo p{margin:2px 0 6px}
.cmd{display:flex;gap:8px;align-items:flex-start;margin:4px 0}.cmd pre{flex:1;margin:0}
pre{background:#0f172a;color:#e2e8f0;padding:7px 10px;border-radius:6px;white-space:pre-wrap;word-break:break-word;
font:13px/1.4 ui-monospace,Menlo,Consolas,monospace;margin:4px 0}
button{font:inherit;font-size:13px;border:1px solid #98a2b3;background:#fff;border-radius:6px;padding:4px 10px;cursor:pointer}
button[aria-pressed=false]{opacity:.45}
.path{width:100%;height:auto;background:#fff;border:1px solid #e4e7ec;border-radius:8px}
.tree{list-style:none;padding:0;margin:0}.tree li{background:#fff;border:1px solid #e4e7ec;border-radius:8px;
padding:6px 12px;margin:4px 0}.tree li.taken{border:2px solid #c4320a;background:#fdeae6}
.tree .a{font-weight:600}.filters{display:flex;gap:6px;flex-wrap:wrap;margin:6px 0 10px}
.check{background:#fff;border:1px solid #e4e7ec;border-left-width:6px;border-radius:8px;padding:8px 12px;margin:6px 0}
.check.failed{border-left-color:#c4320a}.check.error{border-left-color:#b54708}.check.warned{border-left-color:#dc8a00}
.check.passed{border-left-color:#12805c}.check.skipped{border-left-color:#98a2b3}
.check h4{margin:0;font-size:15px}.badge{display:inline-block;min-width:64px;text-align:center;font-size:12px;
font-weight:600;border-radius:10px;padding:1px 8px;margin-right:8px;background:#eef0f3}
.check.failed .badge{background:#c4320a;color:#fff}.check.error .badge{background:#b54708;color:#fff}
.check.warned .badge{background:#fde7b0}.check.passed .badge{background:#d1f0e0}
.check p{margin:4px 0}.id{font:13px ui-monospace,Menlo,Consolas,monospace;color:#475467}
details summary{cursor:pointer;color:#344054;font-size:13px}table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #e4e7ec;padding:4px 10px;text-align:left;font-size:13px;vertical-align:top}
.note{color:#475467;font-size:13px}[hidden]{display:none!important}
"""

JS = """
(function(){
  var buttons=document.querySelectorAll('.filters button');
  function apply(){
    var on={};
    buttons.forEach(function(b){on[b.dataset.outcome]=b.getAttribute('aria-pressed')==='true';});
    document.querySelectorAll('.check').forEach(function(c){c.hidden=!on[c.dataset.outcome];});
    document.querySelectorAll('.group').forEach(function(g){
      g.hidden=!g.querySelector('.check:not([hidden])');});
  }
  buttons.forEach(function(b){b.addEventListener('click',function(){
    b.setAttribute('aria-pressed',b.getAttribute('aria-pressed')==='true'?'false':'true');apply();});});
  document.querySelectorAll('button.copy').forEach(function(b){b.addEventListener('click',function(){
    var text=b.parentNode.querySelector('code').textContent;
    function done(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy';},1500);}
    function fallback(){var r=document.createRange();r.selectNodeContents(b.parentNode.querySelector('code'));
      var s=window.getSelection();s.removeAllRanges();s.addRange(r);b.textContent='Selected: press Ctrl+C';}
    try{navigator.clipboard.writeText(text).then(done,fallback);}catch(e){fallback();}
  });});
  apply();
})();
"""
