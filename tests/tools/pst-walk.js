// pst-walk.js - a test oracle written for this project: lists a PST file as pst-extractor (the
// npm package, a PST reader nobody on this project wrote) reads it, for the tests to compare with
// what wlmigrate says it wrote (tests/e2e/80-pst-readers.t, 85-outlook.t, 86-outlook-contacts.t).
// The tests run this copy, carried in the repository so that a clone can test itself.
//
//   node pst-walk.js FILE.pst  -> one canonical listing: STORE, then per folder a FOLDER line,
//                                 its ITEM lines, with RCPT, ATT and CONTACT lines below each
// needs: npm install --prefix build/npm-pst pst-extractor@1.12.0, then
//        NODE_PATH=build/npm-pst/node_modules (the tests find or install it: wltest.py)
if (process.argv.length !== 3) {
  console.error('usage: node pst-walk.js FILE.pst');
  process.exit(2);
}
const { PSTFile } = require('pst-extractor');
const f = new PSTFile(process.argv[2]);
const out = [];
function walk(folder, path) {
  out.push(`FOLDER ${path} count=${folder.contentCount} unread=${folder.unreadCount} sub=${folder.hasSubfolders} class=${folder.containerClass}`);
  if (folder.contentCount > 0) {
    let m = folder.getNextChild();
    while (m) {
      const mc = m.messageClass;
      out.push(`  ITEM class=${mc} subject=${JSON.stringify(m.subject)} read=${m.isRead} from=${JSON.stringify(m.senderName)} <${m.senderEmailAddress}> ` +
        `delivery=${m.messageDeliveryTime && m.messageDeliveryTime.toISOString()} submit=${m.clientSubmitTime && m.clientSubmitTime.toISOString()} ` +
        `size=${m.messageSize} cp=${m.internetCodepage} bodyLen=${(m.body||'').length} htmlLen=${(m.bodyHTML||'').length} hdrLen=${(m.transportMessageHeaders||'').length}`);
      for (let i = 0; i < m.numberOfRecipients; i++) {
        const r = m.getRecipient(i);
        out.push(`    RCPT type=${r.recipientType} name=${JSON.stringify(r.displayName)} addr=${r.emailAddress} addrtype=${r.emailAddressType}`);
      }
      for (let i = 0; i < m.numberOfAttachments; i++) {
        const a = m.getAttachment(i);
        out.push(`    ATT method=${a.attachMethod} name=${JSON.stringify(a.longFilename || a.filename)} mime=${a.mimeTag} cid=${a.contentId} size=${a.filesize} attachSize=${a.attachSize}`);
      }
      if (mc === 'IPM.Contact') {
        out.push(`    CONTACT given=${m.givenName} sur=${m.surname} fileUnder=${m.fileUnder} email1=${m.email1EmailAddress} email1type=${m.email1AddressType} email1disp=${m.email1DisplayName} company=${m.companyName} mobile=${m.mobileTelephoneNumber}`);
      }
      m = folder.getNextChild();
    }
  }
  if (folder.hasSubfolders) for (const c of folder.getSubFolders()) walk(c, path + '/' + c.displayName);
}
const root = f.getRootFolder();
out.push(`STORE ${f.getMessageStore().displayName} enc=${f.encryptionType} type=${f.pstFileType}`);
walk(root, '');
console.log(out.join('\n'));
