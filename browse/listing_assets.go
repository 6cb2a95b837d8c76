package browse

import (
	"crypto/sha256"
	"encoding/base64"
)

// The built-in page's style, icons and script. Everything is inline, so a
// listing works offline and behind any proxy; the Content-Security-Policy
// allows exactly these two blocks and nothing else.

const listingStyle = `
:root{--fg:#1f2328;--muted:#656d76;--bg:#fff;--line:#d8dee4;--hover:#f3f6f9;--link:#0969da;--dir:#54aeff;--file:#8c959f}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#8d96a0;--bg:#0d1117;--line:#30363d;--hover:#161b22;--link:#4493f8;--dir:#4493f8;--file:#8d96a0}}
*{box-sizing:border-box}
.sprite{position:absolute;width:0;height:0;overflow:hidden}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:1.2rem;display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:center;justify-content:space-between}
h1{font-size:1.15rem;font-weight:600;margin:0;word-break:break-all}
h1 a{color:var(--link);text-decoration:none}
h1 svg{width:1.15rem;height:1.15rem;fill:currentColor;vertical-align:-.15rem}
h1 a:hover{text-decoration:underline}
h1 .sep{color:var(--muted);margin:0 .25rem}
.tools{display:flex;gap:.8rem;align-items:center;color:var(--muted);font-size:.9rem}
#count{white-space:nowrap}
#filter{font:inherit;padding:.35rem .6rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);width:14rem;max-width:60vw}
#filter:focus{outline:2px solid var(--link);outline-offset:-1px}
table{width:100%;border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
th{text-align:left;font-weight:600;font-size:.85rem;color:var(--muted);border-bottom:1px solid var(--line);padding:.45rem .6rem;white-space:nowrap}
th a{color:inherit;text-decoration:none}
th a:hover{color:var(--fg)}
th[aria-sort] a{color:var(--fg)}
th[aria-sort=ascending] a::after{content:" \2191"}
th[aria-sort=descending] a::after{content:" \2193"}
td{padding:.4rem .6rem;border-bottom:1px solid var(--line);white-space:nowrap;vertical-align:middle}
tbody tr:hover{background:var(--hover)}
td:first-child{width:100%;white-space:normal;word-break:break-all}
td a{color:var(--fg);text-decoration:none;display:inline-flex;align-items:center;gap:.5rem;vertical-align:middle}
td a:hover span{color:var(--link);text-decoration:underline}
.s,.t{text-align:right;color:var(--muted)}
th.s,th.t{text-align:right}
svg.i{width:1.1rem;height:1.1rem;flex:none;fill:var(--file)}
tr.d svg.i{fill:var(--dir)}
svg.l{width:.85rem;height:.85rem;fill:var(--muted)}
.up td{color:var(--muted)}
.empty{color:var(--muted);padding:2rem .6rem;text-align:center}
footer{color:var(--muted);font-size:.85rem;padding-bottom:2rem;display:flex;gap:1rem}
footer a{color:var(--link)}
@media (max-width:40rem){.t{display:none}header{display:block}.tools{margin-top:.6rem}#filter{width:100%;max-width:none}}
`

// Icons: folder, file, symlink arrow; rows refer to them with <use>.
const listingIcons = `<svg xmlns="http://www.w3.org/2000/svg" class="sprite" aria-hidden="true">` +
	`<symbol id="d" viewBox="0 0 16 16"><path d="M1.75 1A1.75 1.75 0 0 0 0 2.75v10.5C0 14.22.78 15 1.75 15h12.5A1.75 1.75 0 0 0 16 13.25v-8.5A1.75 1.75 0 0 0 14.25 3H7.5a.25.25 0 0 1-.2-.1l-.9-1.2C6.07 1.26 5.55 1 5 1H1.75z"/></symbol>` +
	`<symbol id="f" viewBox="0 0 16 16"><path d="M2 1.75C2 .78 2.78 0 3.75 0h6.59c.46 0 .9.18 1.23.51l2.92 2.92c.33.33.51.77.51 1.23v9.59A1.75 1.75 0 0 1 13.25 16h-9.5A1.75 1.75 0 0 1 2 14.25V1.75zm1.75-.25a.25.25 0 0 0-.25.25v12.5c0 .14.11.25.25.25h9.5a.25.25 0 0 0 .25-.25V6h-2.75A1.75 1.75 0 0 1 9 4.25V1.5H3.75zm6.75.06v2.69c0 .14.11.25.25.25h2.69L10.5 1.56z"/></symbol>` +
	`<symbol id="l" viewBox="0 0 16 16"><path d="M7.78 3.22a.75.75 0 0 0-1.06 1.06L9.44 7H2.75a.75.75 0 0 0 0 1.5h6.69l-2.72 2.72a.75.75 0 1 0 1.06 1.06l4-4a.75.75 0 0 0 0-1.06l-4-4zM14 2.75a.75.75 0 0 0-1.5 0v10.5a.75.75 0 0 0 1.5 0V2.75z"/></symbol>` +
	`<symbol id="h" viewBox="0 0 16 16"><path d="M6.9.47a1.75 1.75 0 0 1 2.2 0l6.25 5.1a.75.75 0 0 1-.95 1.16L14 6.4v6.85A1.75 1.75 0 0 1 12.25 15h-3a.75.75 0 0 1-.75-.75V10.5h-1v3.75a.75.75 0 0 1-.75.75h-3A1.75 1.75 0 0 1 2 13.25V6.4l-.4.33A.75.75 0 0 1 .65 5.57L6.9.47z"/></symbol>` +
	`</svg>`

// listingScript sorts by a click on a column header without a reload (the
// headers stay plain links that work without script, and on paged
// listings), filters rows as one types, and focuses the filter on "/".
const listingScript = `
(function(){
var t=document.getElementById("list"),tb=document.getElementById("rows"),f=document.getElementById("filter"),n=document.getElementById("count");
if(!t||!tb)return;
var rows=Array.prototype.slice.call(tb.rows),summary=n?n.textContent:"";
function name(r){return r.cells[0].textContent}
function cmpName(a,b){var c=natural(a,b);return c||(a<b?-1:a>b?1:0)}
function digit(c){return c>=48&&c<=57}
function natural(a,b){
 var i=0,j=0;
 while(i<a.length&&j<b.length){
  var x=a.charCodeAt(i),y=b.charCodeAt(j);
  if(digit(x)&&digit(y)){
   var si=i,sj=j;while(i<a.length&&a.charCodeAt(i)===48)i++;while(j<b.length&&b.charCodeAt(j)===48)j++;
   var ei=i,ej=j;while(ei<a.length&&digit(a.charCodeAt(ei)))ei++;while(ej<b.length&&digit(b.charCodeAt(ej)))ej++;
   if(ei-i!==ej-j)return ei-i<ej-j?-1:1;
   var p=a.slice(i,ei),q=b.slice(j,ej);if(p!==q)return p<q?-1:1;
   if(ei-si!==ej-sj)return ei-si<ej-sj?-1:1;
   i=ei;j=ej;continue}
  if(x>=65&&x<=90)x+=32;if(y>=65&&y<=90)y+=32;
  if(x!==y)return x<y?-1:1;
  i++;j++}
 return (a.length-i)-(b.length-j)}
function sortBy(k,desc){
 rows.sort(function(a,b){
  var ad=a.className==="d",bd=b.className==="d";if(ad!==bd)return ad?-1:1;
  var c=k==="name"?0:(+a.getAttribute("data-"+k))-(+b.getAttribute("data-"+k));
  if(!c)c=cmpName(name(a),name(b));
  return desc?-c:c});
 var frag=document.createDocumentFragment();
 for(var i=0;i<rows.length;i++)frag.appendChild(rows[i]);
 tb.appendChild(frag);
 t.setAttribute("data-sort",k);t.setAttribute("data-order",desc?"desc":"asc");
 var ths=t.tHead.rows[0].cells;
 for(var j=0;j<ths.length;j++){var a=ths[j].querySelector("a");if(!a)continue;
  var key=a.getAttribute("data-sort");
  if(key===k){ths[j].setAttribute("aria-sort",desc?"descending":"ascending");a.href="?sort="+k+"&order="+(desc?"asc":"desc")}
  else{ths[j].removeAttribute("aria-sort");a.href="?sort="+key+"&order="+(key==="name"?"asc":"desc")}}
 if(history.replaceState)history.replaceState(null,"","?sort="+k+"&order="+(desc?"desc":"asc")+location.hash);
}
t.tHead.addEventListener("click",function(e){
 var a=e.target.closest("a[data-sort]");
 if(!a||t.hasAttribute("data-paged")||e.ctrlKey||e.metaKey||e.shiftKey)return;
 e.preventDefault();
 var k=a.getAttribute("data-sort"),desc=t.getAttribute("data-sort")===k?t.getAttribute("data-order")!=="desc":k!=="name";
 sortBy(k,desc)});
if(f){
 f.hidden=false;
 f.addEventListener("input",function(){
  var v=f.value.toLowerCase(),shown=0;
  for(var i=0;i<rows.length;i++){var ok=!v||name(rows[i]).toLowerCase().indexOf(v)>=0;rows[i].hidden=!ok;if(ok)shown++}
  if(n)n.textContent=v?shown+" of "+rows.length+" shown":summary});
 document.addEventListener("keydown",function(e){
  if(e.key==="/"&&document.activeElement!==f){e.preventDefault();f.focus()}
  else if(e.key==="Escape"&&document.activeElement===f){f.value="";f.dispatchEvent(new Event("input"))}});
}
t.setAttribute("data-ready","");
})();
`

// listingCSP lets the page run its own style and script (by hash) and
// nothing else: a hostile file name that slipped past escaping still could
// not run code or load anything.
var listingCSP = "default-src 'none'; style-src '" + cspHash(listingStyle) + "'; script-src '" + cspHash(listingScript) +
	"'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}
