/**
 * The console's one stylesheet, served from memory: no build step, no web fonts (an old
 * office PC and a phone both render the system's Chinese font), readable at 360 px.
 */
export const consoleCss = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1f2328;background:#f6f7f9}
nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;align-items:center;padding:.6rem 1rem;background:#14365d;color:#fff}
nav a{color:#dce7f5;text-decoration:none;padding:.15rem .2rem}
nav a.on,nav a:hover{color:#fff;border-bottom:2px solid #ffcf4a}
nav .brand{font-weight:700;color:#fff;margin-right:.5rem}
nav .who{margin-left:auto;font-size:.85rem;color:#c4d3e6}
nav button{background:none;border:1px solid #8fa9c9;color:#fff;border-radius:4px;padding:.1rem .5rem;cursor:pointer}
main{padding:1rem;max-width:1280px;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 .8rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
a{color:#0b5cad}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.8rem 1rem;margin:.6rem 0}
.counts{display:flex;flex-wrap:wrap;gap:.6rem}.counts div{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.5rem .8rem;min-width:7rem}
.counts b{display:block;font-size:1.3rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #dde1e6;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;white-space:nowrap}
td.num{text-align:right}
.grid td.s,.grid th.s{text-align:center;white-space:nowrap;font-size:.85rem}
.grid td.school{white-space:nowrap;position:sticky;left:0;background:#fff}
.on_time{background:#d8f0dc;color:#14532d}.late{background:#fdf0c4;color:#6b4e00}
.missing{background:#fbdcdc;color:#7f1d1d}.invalid{background:#f9d6f0;color:#701a5a}.pending{background:#f1f3f5;color:#57606a}
.legend span{display:inline-block;padding:0 .4rem;margin:.1rem .3rem .1rem 0;border-radius:3px;font-size:.85rem}
.error{color:#a40e26}.warning{color:#8a5a00}.muted{color:#6e7781;font-size:.85rem}
form.inline{display:inline}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.4rem 0}
label{display:block;font-size:.9rem}
input,select,button{font:inherit;padding:.3rem .45rem;border:1px solid #b9c0c8;border-radius:4px;background:#fff}
button.primary,.button{background:#0b5cad;color:#fff;border-color:#0b5cad;cursor:pointer;text-decoration:none;display:inline-block;padding:.35rem .8rem;border-radius:4px}
.flash{background:#e6f4ea;border:1px solid #9fd3ad;padding:.5rem .8rem;border-radius:6px}
.alert{background:#fdecea;border:1px solid #f3b3ad;padding:.5rem .8rem;border-radius:6px}
.login{max-width:22rem;margin:3rem auto}
.login input{width:100%;margin:.2rem 0 .7rem}
@media (max-width:640px){main{padding:.6rem}th,td{padding:.25rem .3rem;font-size:.85rem}nav .who{width:100%;margin-left:0}}
`;
