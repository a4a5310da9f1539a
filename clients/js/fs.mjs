import { LiteSVM, FeatureSet } from "litesvm";
import { getAddressEncoder } from "@solana/kit";
import fs from "node:fs";
const enc = getAddressEncoder();
const lines = fs.readFileSync("../../tests/data/mainnet-features.tsv","utf8").split("\n").filter(l=>l && !l.startsWith("#"));
const f = new FeatureSet();
for (const l of lines) { const [slot,, addr] = l.split("\t"); f.activate(enc.encode(addr), BigInt(slot)); }
console.log(f.getActiveFeaturesCount(), f.getInactiveFeaturesCount());
const a = new LiteSVM().toBytes();
const b = new LiteSVM().withFeatureSet(f).toBytes();
const c = new LiteSVM().withFeatureSet(FeatureSet.allEnabled()).toBytes();
const d = new LiteSVM().toBytes();
console.log(a.length, b.length, c.length, Buffer.compare(Buffer.from(a),Buffer.from(d)), Buffer.compare(Buffer.from(a),Buffer.from(b)), Buffer.compare(Buffer.from(a),Buffer.from(c)));
function ranges(x,y){const r=[];let s=-1;for(let i=0;i<x.length;i++){if(x[i]!==y[i]){if(s<0)s=i;}else if(s>=0){r.push([s,i]);s=-1;}}return r;}
console.log("a/d", ranges(a,d).slice(0,20), ranges(a,d).length);
console.log("a/b", ranges(a,b).slice(0,20), ranges(a,b).length);
