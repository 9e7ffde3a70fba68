#!/usr/bin/env python3
# A test oracle written for this project, apart from its C code: the real Thunderbird (Debian's
# `thunderbird` package, run headless and driven over Marionette) says what it sees in our Local
# Folders trees and what its own importer makes of our address-book files. The tests run this
# copy, carried in the repository so that a clone can test itself (tests/e2e/30-thunderbird.t,
# 35-database.t, 65-contacts.t); doc/THUNDERBIRD.md holds what it taught us. Standard library only.
"""tb_oracle.py - ask a real (headless) Thunderbird what it sees in a Local
Folders tree of mbox files and/or what it imports from contacts files.

Usage:  tb_oracle.py [TREE_DIR|-] OUT_JSON [--contacts FILE]... [--timeout SECS]
                     [--keep-profile] [--thunderbird PATH] [--keep-msf] [--verbose]

TREE_DIR is a Thunderbird-style mail directory (mbox files without extension,
sub-folders in "<name>.sbd/" directories).  Its *contents* are copied into the
Local Folders directory of a throw-away profile, so every top-level mbox in
TREE_DIR becomes a top-level folder under "Local Folders".  TREE_DIR itself is
never modified.  TREE_DIR may be "-" or left out (then only OUT_JSON is given)
when only --contacts files are examined.

Thunderbird is started headless with Marionette enabled; a chrome-context
script walks MailServices.accounts.localFoldersServer.rootFolder, forces every
mbox to be (re)parsed (no .msf summary files are copied, and existing ones in
the copy are deleted unless --keep-msf), enumerates msgDatabase and returns one
JSON document, which is written to OUT_JSON.

--contacts FILE (repeatable; .vcf/.vcard -> "vcard", .csv/.tsv/.tab -> "csv",
.ldif/.ldi -> "ldif", or force with TYPE:FILE e.g. "csv:/x/contacts.txt"):
each file is imported exactly as Tools > Import > Address book does it: a new
personal (JS/SQLite) address book named after the file (name without
extension) and Thunderbird's own AddrBookFileImporter(type).startImport().
For CSV, parseCsvFile() is run first; if TB does not recognise every header
it would show the field-map page, and the oracle then applies the mapping the
page pre-selects (column i -> i-th TB field, "first row contains headers"
ticked), or --csv-fields "i,j,,k" when given.  Every resulting card is then
listed (addressBooks[] in the JSON).

Standard library only.  Exit status: 0 ok, 2 usage, 3 Thunderbird/Marionette
failure, 4 script error inside Thunderbird, 5 (--expect-all only) TB did not
see every message of the source tree, 6 (--expect-contacts only) an import
threw or produced no card.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DEFAULT_TB = "/usr/lib/thunderbird/thunderbird"  # the real binary, not the
# Debian /usr/bin/thunderbird wrapper (which fiddles with ~/.thunderbird).

PREFS = {
    # --- accounts: only Local Folders -------------------------------------
    "mail.accountmanager.accounts": "account1",
    "mail.accountmanager.localfoldersserver": "server1",
    "mail.account.account1.server": "server1",
    "mail.server.server1.directory": None,  # filled in at run time
    "mail.server.server1.hostname": "Local Folders",
    "mail.server.server1.name": "Local Folders",
    "mail.server.server1.type": "none",
    "mail.server.server1.userName": "nobody",
    "mail.server.server1.storeContractID": "@mozilla.org/msgstore/berkeleystore;1",
    "mail.serverDefaultStoreContractID": "@mozilla.org/msgstore/berkeleystore;1",
    "mail.server.server1.login_at_startup": False,
    "mail.server.server1.check_new_mail": False,
    # --- first run / UI noise ------------------------------------------------
    "mail.provider.suppress_dialog_on_startup": True,
    "mail.shell.checkDefaultClient": False,
    "mail.rights.version": 1,
    "mailnews.start_page.enabled": False,
    "mailnews.start_page.override_url": "",
    "mail.startup.enabledMailCheckOnce": True,
    "mail.spotlight.firstRunDone": True,
    "mail.winsearch.firstRunDone": True,
    "mail.inappnotifications.enabled": False,
    "mail.biff.show_alert": False,
    "mail.biff.play_sound": False,
    "mail.biff.show_tray_icon": False,
    "mail.tabs.drawInTitlebar": False,
    "browser.shell.checkDefaultBrowser": False,
    "pdfjs.firstRun": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutConfig.showWarning": False,
    "toolkit.startup.max_resumed_crashes": -1,
    "browser.sessionstore.resume_from_crash": False,
    "mail.dark-reader.enabled": False,
    "calendar.timezone.useSystemTimezone": True,
    # --- do not touch the messages behind our back ---------------------------
    "mailnews.database.global.indexer.enabled": False,  # gloda
    "mail.spam.manualMark": False,
    "mail.server.default.autosync_offline_stores": False,
    "mail.purge.ask": False,
    "mail.prompt_purge_threshhold": False,
    "mail.purge_threshhold_mb": 100000,
    "mailnews.downloadToTempFile": False,
    # --- updates ---------------------------------------------------------------
    "app.update.auto": False,
    "app.update.checkInstallTime": False,
    "app.update.disabledForTesting": True,
    "app.update.staging.enabled": False,
    "extensions.update.enabled": False,
    "extensions.update.autoUpdateDefault": False,
    "extensions.systemAddon.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.autoDisableScopes": 0,
    "lightweightThemes.update.enabled": False,
    "app.normandy.enabled": False,
    "browser.search.update": False,
    # --- telemetry / data reporting -----------------------------------------------
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.server": "",
    "toolkit.telemetry.archive.enabled": False,
    "toolkit.telemetry.shutdownPingSender.enabled": False,
    "toolkit.telemetry.firstShutdownPing.enabled": False,
    "toolkit.telemetry.newProfilePing.enabled": False,
    "toolkit.telemetry.updatePing.enabled": False,
    "toolkit.telemetry.bhrPing.enabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.policy.dataSubmissionPolicyBypassNotification": True,
    "datareporting.policy.firstRunURL": "",
    "toolkit.crashreporter.enabled": False,
    "browser.crashReports.unsubmittedCheck.enabled": False,
    # --- network: avoid connection attempts ---------------------------------------
    # start in "work offline" mode (OfflineStartup.sys.mjs: 3 = always offline);
    # Marionette's server socket is unaffected.
    "offline.startup_state": 3,
    "network.online": False,
    "offline.autoDetect": False,
    # any HTTP(S) request that still happens goes to a dead local proxy
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.share_proxy_settings": True,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "network.http.speculative-parallel-limit": 0,
    "network.trr.mode": 5,
    "services.settings.server": "data:,#remote-settings-dummy/v1",
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.provider.google4.updateURL": "",
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "mail.phishing.detection.enabled": False,
    "security.OCSP.enabled": 0,
    "security.remote_settings.crlite_filters.enabled": False,
    "security.remote_settings.intermediates.enabled": False,
    "mailnews.auto_config_url": "",
    "mailnews.auto_config.fetchFromISP.enabled": False,
    "mailnews.auto_config.guess.enabled": False,
    "mail.cloud_files.enabled": False,
    "mail.chat.enabled": False,
    "messenger.startup.action": 0,
    "calendar.integration.notify": False,
    "media.gmp-manager.url": "",
    "media.gmp-provider.enabled": False,
    "geo.enabled": False,
    # --- Marionette -------------------------------------------------------------
    "marionette.port": 0,  # 0 = pick a free port, written to MarionetteActivePort
    "remote.prefs.recommended": True,
    "marionette.prefs.recommended": True,
    "dom.disable_open_during_load": False,
}

CHROME_SCRIPT = r"""
const opts = arguments[0];
const done = arguments[arguments.length - 1];
(async () => {
  const t0 = Date.now();
  const { MailServices } = ChromeUtils.importESModule(
    "resource:///modules/MailServices.sys.mjs");
  const F = Ci.nsMsgMessageFlags;
  const FF = Ci.nsMsgFolderFlags;
  const flagNames = Object.keys(F).filter(k => typeof F[k] == "number")
    .sort((a, b) => F[a] - F[b]);
  const log = [];

  // A profile that never started has no Local Folders account yet: Thunderbird makes it
  // (in Mail/Local Folders) when first needed, as here.
  let localFoldersCreated = false;
  try { MailServices.accounts.localFoldersServer; } catch (e) {
    MailServices.accounts.createLocalMailAccount();
    localFoldersCreated = true;
  }
  const server = MailServices.accounts.localFoldersServer;
  if (!server) throw new Error("no localFoldersServer");
  const root = server.rootFolder;

  function decodeFlags(f) {
    return flagNames.filter(n => F[n] && (f & F[n]) == F[n] &&
                            !["Priorities", "Labels"].includes(n));
  }

  function parseFolder(folder) {
    // Force the mbox to be parsed; resolve when the summary db is usable.
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (how, status) => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ how, status });
      };
      const listener = {
        QueryInterface: ChromeUtils.generateQI(["nsIUrlListener"]),
        OnStartRunningUrl() {},
        OnStopRunningUrl(url, status) { finish("listener", status); },
      };
      const timer = setTimeout(() => {
        if (!settled) { settled = true; clearInterval(poll);
          reject(new Error("parse timeout: " + folder.URI)); }
      }, opts.folderTimeoutMs);
      // Safety net: if the parse was already running (started by the UI) our
      // listener may never be called; poll for a valid db.
      const poll = setInterval(() => {
        try {
          const db = folder.QueryInterface(Ci.nsIMsgLocalMailFolder)
            .getDatabaseWOReparse();
          if (db) finish("poll", 0);
        } catch (e) {}
      }, 250);
      try {
        const db = folder.QueryInterface(Ci.nsIMsgLocalMailFolder)
          .getDatabaseWithReparse(listener, null);
        if (db) finish("immediate", 0);
      } catch (e) {
        if (e.result == Cr.NS_ERROR_NOT_INITIALIZED) {
          // reparse started; listener will fire
        } else {
          settled = true; clearInterval(poll); clearTimeout(timer);
          reject(e);
        }
      }
    });
  }

  function relPath(folder) {
    const parts = [];
    for (let f = folder; f && !f.isServer; f = f.parent) parts.unshift(f.name);
    return parts.join("/");
  }

  const folders = [];
  let total = 0;
  const totals = { messages: 0, unread: 0, flagged: 0, replied: 0, forwarded: 0 };

  async function walk(folder, depth) {
    if (!folder.isServer) {
      const rec = {
        path: relPath(folder),
        name: folder.name,
        localizedName: folder.localizedName,
        uri: folder.URI,
        file: folder.filePath ? folder.filePath.path : null,
        depth,
        folderFlags: folder.flags,
        folderFlagNames: Object.keys(FF).filter(k => typeof FF[k] == "number" &&
          FF[k] && (folder.flags & FF[k]) == FF[k]),
        hasSubFolders: folder.hasSubFolders,
      };
      try {
        const p = await parseFolder(folder);
        rec.parse = p.how;
        rec.parseStatus = p.status;
      } catch (e) {
        rec.parseError = String(e);
      }
      const msgs = [];
      let unread = 0, flagged = 0, replied = 0, forwarded = 0;
      let db = null;
      try { db = folder.msgDatabase; } catch (e) { rec.dbError = String(e); }
      if (db) {
        for (const hdr of db.enumerateMessages()) {
          const fl = hdr.flags;
          if (!(fl & F.Read)) unread++;
          if (fl & F.Marked) flagged++;
          if (fl & F.Replied) replied++;
          if (fl & F.Forwarded) forwarded++;
          if (opts.messages) {
            let keywords = "";
            try { keywords = hdr.getStringProperty("keywords"); } catch (e) {}
            const subj = hdr.mime2DecodedSubject;
            msgs.push({
              key: hdr.messageKey,
              subject: subj,
              // what the thread pane shows: TB strips "Re: " into the HasRe flag
              displaySubject: (fl & F.HasRe) ? "Re: " + subj : subj,
              author: hdr.mime2DecodedAuthor,
              authorRaw: hdr.author,
              recipients: hdr.mime2DecodedRecipients,
              messageId: hdr.messageId,
              date: hdr.date,                       // PRTime, microseconds
              dateISO: new Date(hdr.date / 1000).toISOString(),
              flags: fl,
              flagNames: decodeFlags(fl),
              read: !!(fl & F.Read),
              flagged: !!(fl & F.Marked),
              replied: !!(fl & F.Replied),
              forwarded: !!(fl & F.Forwarded),
              keywords,
              priority: hdr.priority,
              messageSize: hdr.messageSize,
              lineCount: hdr.lineCount,
              storeToken: hdr.storeToken,
              // no usable Date: header -> TB stamps the parse time
              dateIsParseTime: hdr.date >= opts.runStartUs,
              charset: hdr.charset,
            });
          }
        }
      }
      rec.messageCount = db ? (opts.messages ? msgs.length : null) : null;
      if (!opts.messages && db) {
        let n = 0; for (const h of db.enumerateMessages()) n++;
        rec.messageCount = n;
      }
      rec.unread = unread; rec.flagged = flagged;
      rec.replied = replied; rec.forwarded = forwarded;
      try { rec.tbTotalMessages = folder.getTotalMessages(false); } catch (e) {}
      try { rec.tbNumUnread = folder.getNumUnread(false); } catch (e) {}
      if (opts.messages) rec.messages = msgs;
      folders.push(rec);
      totals.messages += rec.messageCount || 0;
      totals.unread += unread; totals.flagged += flagged;
      totals.replied += replied; totals.forwarded += forwarded;
    }
    const subs = [...folder.subFolders];
    subs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const sub of subs) await walk(sub, depth + 1);
  }

  let mailMs = null;
  if (opts.mail) {
    const tm = Date.now();
    await walk(root, 0);
    mailMs = Date.now() - tm;
  }

  // ---------------------------------------------------------------------
  // Address books: Tools > Import > Address book, one new book per file.
  // ---------------------------------------------------------------------
  const addressBooks = [];
  if ((opts.contacts && opts.contacts.length) || opts.listBooks) {
    const { AddrBookFileImporter } = ChromeUtils.importESModule(
      "resource:///modules/AddrBookFileImporter.sys.mjs");
    const { exportAttributes } = ChromeUtils.importESModule(
      "resource:///modules/AddrBookUtils.sys.mjs");
    const MAXV = opts.maxValueChars;

    // TB's CSV field list, in the order of the field-map <select>s
    // (csv-field-map.js: exportAttributes entries with a string id).
    const bundle = Services.strings.createBundle(
      "chrome://messenger/locale/importMsgs.properties");
    const csvFields = [];
    for (const [property, stringId] of exportAttributes) {
      if (stringId) {
        csvFields.push({ property, label: bundle.GetStringFromID(stringId) });
      }
    }

    const plain = v => {
      if (v === null || v === undefined) return null;
      if (Array.isArray(v)) return v.map(plain);
      if (typeof v == "object") {
        try { return v.toString(); } catch (e) { return String(v); }
      }
      return v;
    };
    const trunc = v => {
      if (typeof v == "string" && MAXV > 0 && v.length > MAXV) {
        return v.slice(0, MAXV) + `...[${v.length} chars]`;
      }
      if (Array.isArray(v)) return v.map(trunc);
      return v;
    };
    const truncV = v => (opts.maxVCardChars > 0 && v.length > opts.maxVCardChars)
      ? v.slice(0, opts.maxVCardChars) + `...[${v.length} chars]` : v;
    const entryRec = e => {
      const params = {};
      for (const [k, v] of Object.entries(e.params || {})) params[k] = plain(v);
      return { name: e.name, params, type: e.type, value: trunc(plain(e.value)) };
    };
    const listFmt = new Services.intl.ListFormat(undefined, { type: "unit" });
    const nameFormat = Services.prefs.getIntPref("mail.addr_book.lastnamefirst", 0);

    function cardRec(card) {
      const rec = { uid: card.UID, isMailList: card.isMailList };
      if (card.isMailList) {
        rec.displayName = card.displayName;
        rec.listURI = card.mailListURI;
        return rec;
      }
      const vp = card.supportsVCard ? card.vCardProperties : null;
      const get = (fn) => { try { return fn(); } catch (e) { return "ERROR: " + e; } };
      const first = n => vp ? plain(vp.getFirstValue(n)) : null;
      const all = n => vp ? vp.getAllValues(n).map(plain) : [];
      Object.assign(rec, {
        displayName: get(() => card.displayName),
        firstName: get(() => card.firstName),
        lastName: get(() => card.lastName),
        primaryEmail: get(() => card.primaryEmail),
        emails: all("email"),                       // file order
        emailAddressesSorted: get(() => card.emailAddresses), // PREF order
        phones: vp ? vp.getAllEntries("tel").map(e => ({
          value: plain(e.value), type: plain(e.params.type ?? null),
          pref: plain(e.params.pref ?? null) })) : [],
        organization: first("org"),                 // string or [org, unit...]
        title: first("title"),
        role: first("role"),
        nickname: first("nickname"),
        note: first("note"),
        birthday: first("bday"),
        anniversary: first("anniversary"),
        addresses: all("adr"),
        urls: all("url"),
        impp: all("impp"),
        hasPhoto: !!(vp && vp.getFirstEntry("photo")),
        // what the contacts list (AddrBookDataAdapter) shows in its columns
        listView: get(() => ({
          GeneratedName: card.generateName(nameFormat).trim(),
          EmailAddresses: listFmt.format(card.emailAddresses),
          PhoneNumbers: listFmt.format(
            (vp ? vp.getAllValuesSorted("tel") : []).filter(Boolean)),
          Organization: (() => { const o = vp && vp.getFirstValue("org");
            return String((Array.isArray(o) ? o[0] : o) || ""); })(),
          Department: (() => { const o = vp && vp.getFirstValue("org");
            return String((Array.isArray(o) ? o[1] : "") || ""); })(),
          JobTitle: String((vp && vp.getFirstValue("title")) || ""),
        })),
        vCardVersion: vp ? vp.getFirstValue("version") : null,
        entries: vp ? vp.entries.map(entryRec) : [],
        // the vCard TB stored in abook-N.sqlite (TB re-serialises as 4.0)
        vCard: truncV(card.getProperty("_vCard", "")),
      });
      const props = {};
      for (const p of card.properties) {
        if (p.name != "_vCard") props[p.name] = plain(p.value);
      }
      rec.properties = props;
      return rec;
    }

    // Collect console errors/warnings raised while a file is imported
    // (e.g. "Creating vCard properties FAILED for vCard=..." when ICAL.js
    // cannot parse a card: TB then stores an empty card).
    let sink = null;
    // start-up chatter of unrelated components (offline, no remote settings)
    const NOISE = /has not been synced yet|remote-settings|RemoteSettings|blocklist|NetworkError|telemetry/i;
    const consoleObs = {
      observe(subject, topic) {
        if (!sink) return;
        try {
          const m = subject.wrappedJSObject || subject;
          if (!["error", "warn"].includes(m.level)) return;
          // strings shortened (they may embed the whole vCard), errors kept
          const text = (m.arguments || []).map(a => {
            try {
              if (typeof a == "string") {
                return a.length > 300 ? a.slice(0, 300) + `...[${a.length} chars]` : a;
              }
              const t = String(a) + (a && a.fileName ? ` (${a.fileName}:${a.lineNumber})` : "");
              return t.length > 600 ? t.slice(0, 600) + `...[${t.length} chars]` : t;
            } catch (e) { return "?"; } }).join(" | ");
          if (NOISE.test(text)) return;
          if (sink.length < 50) sink.push({ level: m.level, text: trunc(text) });
        } catch (e) {}
      },
    };
    const consoleListener = {
      QueryInterface: ChromeUtils.generateQI(["nsIConsoleListener"]),
      observe(msg) {
        if (!sink) return;
        try {
          let level = "info";
          if (msg instanceof Ci.nsIScriptError) {
            if (msg.flags & Ci.nsIScriptError.warningFlag) level = "warn";
            else if (!(msg.flags & Ci.nsIScriptError.infoFlag)) level = "error";
            else return;
          } else return;
          const text = msg.errorMessage || msg.message;
          if (NOISE.test(text)) return;
          if (sink.length < 50) sink.push({ level, text: trunc(text) });
        } catch (e) {}
      },
    };
    // console.error() from system modules goes to ConsoleAPIStorage; its
    // listener API replaced the old "console-api-log-event" topic.
    let consoleStorage = null;
    const consoleFn = m => consoleObs.observe(m);
    try {
      consoleStorage = Cc["@mozilla.org/consoleAPI-storage;1"]
        .getService(Ci.nsIConsoleAPIStorage);
      consoleStorage.addLogEventListener(consoleFn,
        Services.scriptSecurityManager.getSystemPrincipal());
    } catch (e) {
      consoleStorage = null;
      Services.obs.addObserver(consoleObs, "console-api-log-event");
    }
    Services.console.registerListener(consoleListener);

    try {
      for (const c of opts.contacts) {
        const t1 = Date.now();
        const rec = { file: c.path, type: c.type, addressBook: null,
                      imported: false, cardCount: 0, mailingLists: [],
                      cards: [], error: null, console: [] };
        sink = rec.console;
        let dir = null;
        try {
          const file = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
          file.initWithPath(c.path);
          const importer = new AddrBookFileImporter(c.type);
          if (c.type == "csv") {
            // A fresh user: no remembered mapping, "first row has headers".
            Services.prefs.clearUserPref("mail.import.csv.fields");
            Services.prefs.clearUserPref("mail.import.csv.skipfirstrow");
            const unmatched = await importer.parseCsvFile(file);
            const rows = importer._csvRows || [];
            rec.csv = { rows: rows.length, header: rows[0] || [],
                        headerRecognized: !unmatched.length,
                        fieldMapShown: !!unmatched.length, mapping: null,
                        fieldList: csvFields.map(f => f.property) };
            let indexes = null;
            if (unmatched.length) {
              if (c.csvFields) {
                indexes = c.csvFields;
              } else {
                // csv-field-map.js _initSelectOptions() with an empty
                // mail.import.csv.fields pref: column i -> field i,
                // columns beyond the field list disabled ("").
                indexes = unmatched[0].map((_, i) =>
                  i < csvFields.length ? String(i) : "");
              }
              if (c.csvSkipFirstRow !== null && c.csvSkipFirstRow !== undefined) {
                Services.prefs.setBoolPref("mail.import.csv.skipfirstrow",
                                           c.csvSkipFirstRow);
              }
              importer.setCsvFields(indexes);
              rec.csv.skipFirstRow = importer._csvSkipFirstRow;
              rec.csv.mapping = indexes.map((ix, i) => ({
                column: i, header: (unmatched[0] || [])[i] ?? null,
                index: ix === "" ? null : Number(ix),
                property: ix === "" ? null : (csvFields[+ix] || {}).property || null,
                label: ix === "" ? null : (csvFields[+ix] || {}).label || null }));
            } else {
              rec.csv.skipFirstRow = true;
              rec.csv.mapping = (importer._csvProperties || []).map((p, i) => ({
                column: i, header: (rows[0] || [])[i] ?? null, property: p }));
            }
          }
          const dirId = MailServices.ab.newAddressBook(
            c.bookName, "", Ci.nsIAbManager.JS_DIRECTORY_TYPE);
          dir = MailServices.ab.getDirectoryFromId(dirId);
          rec.addressBook = { name: dir.dirName, uid: dir.UID,
                              fileName: dir.fileName, uri: dir.URI };
          let progress = null;
          importer.onProgress = (cur, tot) => { progress = [cur, tot]; };
          let tid = null;
          const timer = new Promise((_, reject) => { tid = setTimeout(
            () => reject(new Error("import timeout after " + opts.importTimeoutMs + " ms")),
            opts.importTimeoutMs); });
          try {
            await Promise.race([importer.startImport(file, dir), timer]);
          } finally {
            clearTimeout(tid);
          }
          rec.imported = true;
          rec.progress = progress;
        } catch (e) {
          // The UI shows "error-message-failed"; cards added before the
          // exception stay in the new address book.
          rec.error = String(e) + (e && e.stack ? "\n" + e.stack : "");
        }
        if (dir) {
          try {
            for (const card of dir.childCards) {
              if (card.isMailList) continue;
              rec.cards.push(cardRec(card));
            }
            for (const list of dir.childNodes) {
              rec.mailingLists.push({ name: list.dirName,
                description: list.description, nickName: list.listNickName,
                members: list.childCards.map(m => ({ displayName: m.displayName,
                  primaryEmail: m.primaryEmail })) });
            }
          } catch (e) {
            rec.listError = String(e);
          }
        }
        rec.cardCount = rec.cards.length;
        rec.elapsedMs = Date.now() - t1;
        sink = null;
        addressBooks.push(rec);
      }
      // --profile: the address books the profile brought, as Thunderbird reads them
      for (const dir of (opts.listBooks ? MailServices.ab.directories : [])) {
        const rec = { file: null, type: "profile", existing: true,
                      addressBook: { name: dir.dirName, uid: dir.UID,
                                     fileName: dir.fileName, uri: dir.URI },
                      cards: [], mailingLists: [], error: null };
        try {
          for (const card of dir.childCards) {
            if (!card.isMailList) rec.cards.push(cardRec(card));
          }
          for (const list of dir.childNodes) {
            rec.mailingLists.push({ name: list.dirName,
              members: list.childCards.map(m => ({ displayName: m.displayName,
                primaryEmail: m.primaryEmail })) });
          }
        } catch (e) {
          rec.error = String(e);
        }
        rec.cardCount = rec.cards.length;
        addressBooks.push(rec);
      }
    } finally {
      sink = null;
      if (consoleStorage) consoleStorage.removeLogEventListener(consoleFn);
      else Services.obs.removeObserver(consoleObs, "console-api-log-event");
      Services.console.unregisterListener(consoleListener);
    }
  }

  // Every account with its incoming server, identities and their outgoing servers.
  const accounts = [];
  const get = (fn) => { try { return fn(); } catch (e) { return null; } };
  for (const acct of MailServices.accounts.accounts) {
    const s = acct.incomingServer;
    const rec = { key: acct.key, type: get(() => s.type), name: get(() => s.prettyName),
                  hostName: get(() => s.hostName ?? s.realHostName ?? Services.io.newURI(s.serverURI).host), port: get(() => s.port),
                  socketType: get(() => s.socketType), username: get(() => s.username),
                  authMethod: get(() => s.authMethod),
                  isDefault: get(() => MailServices.accounts.defaultAccount.key == acct.key),
                  emptyTrashOnExit: get(() => s.emptyTrashOnExit),
                  identities: [] };
    if (rec.type == "pop3") {
      const pop = get(() => s.QueryInterface(Ci.nsIPop3IncomingServer));
      rec.leaveMessagesOnServer = get(() => pop.leaveMessagesOnServer);
      rec.deleteMailLeftOnServer = get(() => pop.deleteMailLeftOnServer);
      rec.deleteByAgeFromServer = get(() => pop.deleteByAgeFromServer);
    }
    if (rec.type == "imap") {
      const imap = get(() => s.QueryInterface(Ci.nsIImapIncomingServer));
      rec.cleanupInboxOnExit = get(() => imap.cleanupInboxOnExit);
    }
    for (const id of acct.identities) {
      const out = get(() => MailServices.outgoingServer.getServerByIdentity(id));
      const smtp = get(() => out.QueryInterface(Ci.nsISmtpServer));
      rec.identities.push({
        fullName: id.fullName, email: id.email, replyTo: id.replyTo,
        organization: id.organization,
        smtp: out ? { key: get(() => out.key), type: get(() => out.type),
                      hostname: get(() => smtp.hostname), port: get(() => smtp.port),
                      socketType: get(() => out.socketType),
                      username: get(() => out.username),
                      authMethod: get(() => out.authMethod) } : null });
    }
    accounts.push(rec);
  }
  let logins = null;
  try { logins = (await Services.logins.getAllLogins()).length; } catch (e) {}

  return {
    accounts,
    localFoldersCreated,
    savedPasswords: logins,
    thunderbird: { version: Services.appinfo.version,
                   buildID: Services.appinfo.appBuildID,
                   offline: Services.io.offline },
    localFoldersDir: root.filePath.path,
    totals,
    folderCount: folders.length,
    folders,
    addressBooks,
    mailMs,
    elapsedMs: Date.now() - t0,
  };
})().then(r => done(JSON.stringify(r)),
          e => done(JSON.stringify({ __error: String(e), stack: e && e.stack })));
"""


class MarionetteError(Exception):
    pass


class Marionette:
    """Minimal Marionette client (protocol level 3), stdlib only."""

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.msgid = 0
        self.hello = self._recv()

    def _recv(self):
        while b":" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise MarionetteError("connection closed")
            self.buf += chunk
        n, rest = self.buf.split(b":", 1)
        n = int(n)
        while len(rest) < n:
            chunk = self.sock.recv(max(65536, n - len(rest)))
            if not chunk:
                raise MarionetteError("connection closed")
            rest += chunk
        data, self.buf = rest[:n], rest[n:]
        return json.loads(data.decode("utf-8"))

    def send(self, command, params=None, timeout=None):
        self.msgid += 1
        msg = json.dumps([0, self.msgid, command, params or {}]).encode("utf-8")
        self.sock.sendall(str(len(msg)).encode() + b":" + msg)
        if timeout is not None:
            self.sock.settimeout(timeout)
        while True:
            resp = self._recv()
            if isinstance(resp, list) and len(resp) == 4 and resp[0] == 1 \
                    and resp[1] == self.msgid:
                break
        _, _, err, result = resp
        if err:
            raise MarionetteError("%s: %s" % (command, json.dumps(err)[:4000]))
        return result

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def scan_tree(root):
    """Per mbox file (relative path): number of lines starting with 'From '
    and the X-Mozilla-Status values seen.  Directories (*.sbd) are skipped."""
    out = {}
    for dp, dns, fns in os.walk(root):
        dns.sort()
        for fn in sorted(fns):
            if fn.endswith(".msf"):
                continue
            full = os.path.join(dp, fn)
            rel = os.path.relpath(full, root)
            n = 0
            status = {}
            with open(full, "rb") as f:
                for line in f:
                    if line.startswith(b"From "):
                        n += 1
                    elif line.startswith(b"X-Mozilla-Status:"):
                        v = line.split(b":", 1)[1].strip().decode("ascii", "replace")
                        status[v] = status.get(v, 0) + 1
            out[rel] = {"fromLines": n, "size": os.path.getsize(full),
                        "xMozillaStatus": status}
    return out


def cross_check(result, source, local_dir):
    """Compare what TB saw with the 'From ' line counts of the source files."""
    seen = set()
    mismatches = []
    no_source = []
    for rec in result["folders"]:
        rel = None
        if rec.get("file"):
            try:
                rel = os.path.relpath(rec["file"], local_dir)
            except ValueError:
                rel = None
        rec["sourceFile"] = rel if rel in source else None
        if rel in source:
            seen.add(rel)
            rec["sourceFromLines"] = source[rel]["fromLines"]
            if rec.get("messageCount") != source[rel]["fromLines"]:
                mismatches.append({"path": rec["path"], "file": rel,
                                   "tbMessages": rec.get("messageCount"),
                                   "fromLines": source[rel]["fromLines"]})
        else:
            no_source.append({"path": rec["path"], "file": rel,
                              "tbMessages": rec.get("messageCount")})
    unseen = [{"file": k, "fromLines": v["fromLines"]}
              for k, v in sorted(source.items()) if k not in seen]
    src_total = sum(v["fromLines"] for v in source.values())
    return {
        "sourceMboxFiles": len(source),
        "sourceFromLines": src_total,
        "tbMessages": result["totals"]["messages"],
        "allMessagesSeen": src_total == result["totals"]["messages"]
                           and not unseen and not mismatches,
        "sourceFilesNotSeenByTB": unseen,
        "countMismatches": mismatches,
        "tbFoldersWithoutSourceFile": no_source,
    }


def write_prefs(profile, local_dir):
    lines = []
    for k, v in PREFS.items():
        if k == "mail.server.server1.directory":
            v = local_dir
        lines.append("user_pref(%s, %s);" % (json.dumps(k), json.dumps(v)))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(profile, "prefs.js"), "w", encoding="utf-8") as f:
        f.write(text)
    # user.js is re-applied on every start, so TB cannot "migrate" them away.
    with open(os.path.join(profile, "user.js"), "w", encoding="utf-8") as f:
        f.write(text)


def write_user_js(profile):
    """The oracle's settings for a profile that brings its own accounts: PREFS without the
    Local Folders account it would otherwise set up, as user.js beside the profile's prefs.js."""
    own = ("mail.account.", "mail.accountmanager.", "mail.server.server1.")
    lines = ["user_pref(%s, %s);" % (json.dumps(k), json.dumps(v))
             for k, v in PREFS.items() if not k.startswith(own)]
    with open(os.path.join(profile, "user.js"), "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def log(verbose, *a):
    if verbose:
        print("[tb_oracle %.1fs]" % (time.monotonic() - T0), *a, file=sys.stderr,
              flush=True)


T0 = time.monotonic()


def kill_group(proc, verbose):
    """Terminate the process group we created for Thunderbird (by its PID)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)  # group id == pid (start_new_session)
        except ProcessLookupError:
            return
        log(verbose, "sent", sig.name, "to process group", proc.pid)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            pass


CONTACT_TYPES = {".vcf": "vcard", ".vcard": "vcard", ".csv": "csv",
                 ".tsv": "csv", ".tab": "csv", ".txt": "csv",
                 ".ldif": "ldif", ".ldi": "ldif", ".sqlite": "sqlite",
                 ".mab": "mab"}
KNOWN_TYPES = ("vcard", "csv", "ldif", "sqlite", "mab")


def contact_spec(arg):
    """'FILE' or 'TYPE:FILE' -> (type, abs path); type from the extension."""
    typ = None
    if ":" in arg and arg.split(":", 1)[0].lower() in KNOWN_TYPES:
        typ, arg = arg.split(":", 1)
        typ = typ.lower()
    path = os.path.abspath(arg)
    if typ is None:
        typ = CONTACT_TYPES.get(os.path.splitext(path)[1].lower())
    if typ is None:
        raise argparse.ArgumentTypeError(
            "cannot tell the type of %s; use TYPE:FILE with TYPE in %s"
            % (arg, "/".join(KNOWN_TYPES)))
    return typ, path


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        usage="%(prog)s [TREE_DIR|-] OUT_JSON [--contacts [TYPE:]FILE]... [options]")
    ap.add_argument("paths", nargs="+", metavar="[TREE_DIR|-] OUT_JSON",
                    help="mail tree (or '-' / omitted for contacts only) and "
                         "the output JSON file")
    ap.add_argument("--contacts", action="append", type=contact_spec, default=[],
                    metavar="[TYPE:]FILE",
                    help="import this address-book file (repeatable); TYPE is "
                         "vcard, csv, ldif, sqlite or mab, guessed from the "
                         "extension when omitted")
    ap.add_argument("--csv-fields", default=None, metavar="I,J,,K",
                    help="CSV field map to use when TB shows the mapping page: "
                         "per source column the index into TB's field list "
                         "(see addressBooks[].csv.fieldList), empty = skip "
                         "(default: what the page pre-selects, column i -> i)")
    ap.add_argument("--csv-no-header", action="store_true",
                    help="untick 'first row contains field names' on the "
                         "mapping page (default ticked)")
    ap.add_argument("--import-timeout", type=float, default=120,
                    help="per contacts file import timeout in seconds")
    ap.add_argument("--max-value-chars", type=int, default=1000,
                    help="truncate longer values in cards[].entries and "
                         "console texts (e.g. PHOTO data; 0 = never; default 1000)")
    ap.add_argument("--max-vcard-chars", type=int, default=0,
                    help="truncate the stored raw vCard (cards[].vCard) "
                         "(default 0 = never)")
    ap.add_argument("--expect-contacts", action="store_true",
                    help="exit 6 if any contacts import threw or gave 0 cards")
    ap.add_argument("--timeout", type=float, default=600,
                    help="hard overall timeout in seconds (default 600)")
    ap.add_argument("--startup-timeout", type=float, default=120)
    ap.add_argument("--folder-timeout", type=float, default=300,
                    help="per-folder parse timeout in seconds")
    ap.add_argument("--thunderbird", default=os.environ.get("TB_BINARY", DEFAULT_TB))
    ap.add_argument("--keep-profile", action="store_true",
                    help="do not delete the temp profile (path printed)")
    ap.add_argument("--keep-msf", action="store_true",
                    help="keep .msf summary files found in TREE_DIR "
                         "(default: delete them in the copy to force a parse)")
    ap.add_argument("--no-messages", action="store_true",
                    help="only per-folder counts, no per-message records")
    ap.add_argument("--expect-all", action="store_true",
                    help="exit 5 unless TB saw exactly as many messages as "
                         "there are 'From ' lines in every source mbox")
    ap.add_argument("--profile", default=None, metavar="DIR",
                    help="start Thunderbird on a copy of the profile DIR (its own prefs.js "
                         "with its accounts; only the oracle's offline and quiet settings are "
                         "added as user.js) and list its accounts, Local Folders and address "
                         "books; no TREE_DIR then")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    if len(args.paths) == 1:
        tree_arg, out_json = "-", args.paths[0]
    elif len(args.paths) == 2:
        tree_arg, out_json = args.paths
    else:
        ap.error("expected [TREE_DIR|-] OUT_JSON")
    args.out_json = out_json
    tree = None if tree_arg == "-" else os.path.abspath(tree_arg)
    if tree is not None and not os.path.isdir(tree):
        print("not a directory: %s" % tree, file=sys.stderr)
        return 2
    if args.profile and tree is not None:
        ap.error("--profile DIR takes no TREE_DIR")
    if args.profile and not os.path.isdir(args.profile):
        print("not a directory: %s" % args.profile, file=sys.stderr)
        return 2
    if tree is None and not args.contacts and not args.profile:
        ap.error("nothing to do: give a TREE_DIR and/or --contacts FILE")
    for typ, path in args.contacts:
        if not os.path.isfile(path):
            print("not a file: %s" % path, file=sys.stderr)
            return 2
    csv_fields = None
    if args.csv_fields is not None:
        csv_fields = [x.strip() for x in args.csv_fields.split(",")]
        if not all(x == "" or x.isdigit() for x in csv_fields):
            ap.error("--csv-fields: comma-separated integers or empty")
    contacts = []
    for typ, path in args.contacts:
        leaf = os.path.basename(path)
        # aboutImport.js: new book named after the file, without extension
        book = leaf[:leaf.rindex(".")] if "." in leaf else leaf
        contacts.append({"path": path, "type": typ, "bookName": book or leaf,
                         "csvFields": csv_fields,
                         "csvSkipFirstRow": False if args.csv_no_header else None})
    deadline = time.monotonic() + args.timeout

    base = tempfile.mkdtemp(prefix="tb-oracle-")
    profile = os.path.join(base, "profile")
    home = os.path.join(base, "home")
    local_dir = os.path.join(profile, "Mail", "Local Folders")
    os.makedirs(home)
    removed_msf = []
    if args.profile:
        # Thunderbird's lock files (a dangling `lock` link after a kill) are not copied
        shutil.copytree(args.profile, profile, symlinks=False,
                        ignore=shutil.ignore_patterns("lock", ".parentlock", "parent.lock"))
        tree = local_dir if os.path.isdir(local_dir) else None
    else:
        os.makedirs(os.path.dirname(local_dir))
    if args.profile:
        pass
    elif tree is not None:
        shutil.copytree(tree, local_dir, symlinks=False)
    else:
        os.makedirs(local_dir)
    if tree is not None and not args.keep_msf:
        for dp, _, fns in os.walk(local_dir):
            for fn in fns:
                if fn.endswith(".msf"):
                    os.unlink(os.path.join(dp, fn))
                    removed_msf.append(os.path.relpath(os.path.join(dp, fn), local_dir))
    if args.profile:
        write_user_js(profile)
    else:
        write_prefs(profile, local_dir)
    source = scan_tree(local_dir) if os.path.isdir(local_dir) else {}
    log(args.verbose, "profile", profile)

    env = dict(os.environ)
    env.update({
        "HOME": home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "TMPDIR": base,
        "MOZ_HEADLESS": "1",
        "MOZ_CRASHREPORTER_DISABLE": "1",
        "MOZ_DISABLE_AUTO_SAFE_MODE": "1",
        "MOZ_NO_REMOTE": "1",
        "MOZ_MARIONETTE": "1",
    })
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    tb_log_path = os.path.join(base, "thunderbird.log")
    tb_log = open(tb_log_path, "wb")
    cmd = [args.thunderbird, "--headless", "--marionette",
           "--remote-allow-system-access", "--no-remote",
           "--profile", profile]
    log(args.verbose, "starting", " ".join(cmd))
    t_start = time.monotonic()
    launch_wall = time.time()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                            stdout=tb_log, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=base)
    result = None
    rc = 0
    timings = {}
    client = None

    def on_signal(signum, frame):
        raise SystemExit("tb_oracle: %s" % ("watchdog timeout" if signum == signal.SIGALRM
                                            else "signal %d" % signum))
    for sg in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sg, on_signal)
    signal.alarm(int(args.timeout) + 30)  # last-resort watchdog
    try:
        # 1. wait for Marionette port file
        port_file = os.path.join(profile, "MarionetteActivePort")
        port = None
        start_deadline = min(deadline, time.monotonic() + args.startup_timeout)
        while time.monotonic() < start_deadline:
            if proc.poll() is not None:
                raise MarionetteError("Thunderbird exited early with code %s"
                                      % proc.returncode)
            try:
                with open(port_file) as f:
                    txt = f.read().strip()
                if txt:
                    port = int(txt)
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        if port is None:
            raise MarionetteError("no MarionetteActivePort after %.0fs"
                                  % args.startup_timeout)
        timings["marionettePortS"] = round(time.monotonic() - t_start, 2)
        log(args.verbose, "marionette port", port)

        remaining = lambda: max(5.0, deadline - time.monotonic())
        client = None
        while client is None:
            try:
                client = Marionette("127.0.0.1", port, timeout=remaining())
            except (ConnectionRefusedError, OSError):
                if time.monotonic() > start_deadline:
                    raise
                time.sleep(0.2)
        log(args.verbose, "hello", client.hello)
        script_ms = int(remaining() * 1000)
        client.send("WebDriver:NewSession",
                    {"capabilities": {"alwaysMatch": {
                        "timeouts": {"script": script_ms}}}},
                    timeout=remaining())
        timings["sessionS"] = round(time.monotonic() - t_start, 2)
        client.send("Marionette:SetContext", {"value": "chrome"})
        client.send("WebDriver:SetTimeouts", {"script": script_ms})
        log(args.verbose, "session ready, running chrome script")
        t_script = time.monotonic()
        res = client.send("WebDriver:ExecuteAsyncScript", {
            "script": CHROME_SCRIPT,
            "args": [{"messages": not args.no_messages,
                      "runStartUs": int((launch_wall - 2) * 1e6),
                      "folderTimeoutMs": int(args.folder_timeout * 1000),
                      "mail": tree is not None,
                      "listBooks": bool(args.profile),
                      "contacts": contacts,
                      "importTimeoutMs": int(args.import_timeout * 1000),
                      "maxValueChars": args.max_value_chars,
                      "maxVCardChars": args.max_vcard_chars}],
            "newSandbox": True,
        }, timeout=remaining())
        timings["scriptS"] = round(time.monotonic() - t_script, 2)
        value = res.get("value") if isinstance(res, dict) else res
        result = json.loads(value)
        if "__error" in result:
            rc = 4
            print("script error in Thunderbird: %s\n%s"
                  % (result["__error"], result.get("stack")), file=sys.stderr)
        # 2. clean shutdown
        t_quit = time.monotonic()
        try:
            client.send("Marionette:Quit", {"flags": ["eForceQuit"]},
                        timeout=min(30, remaining()))
        except (MarionetteError, OSError) as e:
            log(args.verbose, "quit:", e)
        try:
            proc.wait(timeout=min(30, remaining()))
        except subprocess.TimeoutExpired:
            log(args.verbose, "Thunderbird did not exit after Quit; killing")
        timings["quitS"] = round(time.monotonic() - t_quit, 2)
    except (MarionetteError, OSError, socket.timeout, ValueError) as e:
        rc = 3
        print("tb_oracle failed: %s" % e, file=sys.stderr)
    finally:
        signal.alarm(0)
        if client:
            client.close()
        kill_group(proc, args.verbose)
        tb_log.close()
        timings["totalS"] = round(time.monotonic() - T0, 2)

    if rc == 3:
        try:
            with open(tb_log_path, "rb") as f:
                tail = f.read()[-4000:].decode("utf-8", "replace")
            print("--- thunderbird output (tail) ---\n" + tail, file=sys.stderr)
        except OSError:
            pass
    if result is not None and "__error" not in result:
        if tree is not None:
            result["crossCheck"] = cross_check(result, source, local_dir)
        else:
            result["crossCheck"] = None
            result["folders"] = []
            result["folderCount"] = 0
        for ab in result.get("addressBooks", []):
            try:
                ab["fileSize"] = os.path.getsize(ab["file"])
                with open(ab["file"], "rb") as f:
                    head = f.read(4)
                ab["fileBOM"] = ("utf-8" if head.startswith(b"\xef\xbb\xbf") else
                                 "utf-16le" if head.startswith(b"\xff\xfe") else
                                 "utf-16be" if head.startswith(b"\xfe\xff") else None)
            except (OSError, TypeError):  # TypeError: a book of the profile, no file
                pass
        result["oracle"] = {
            "treeDir": tree,
            "contacts": [{"file": c["path"], "type": c["type"],
                          "bookName": c["bookName"]} for c in contacts],
            "removedMsf": removed_msf,
            "timings": timings,
            "thunderbirdExitCode": proc.returncode,
            "command": cmd,
        }
        tmp = args.out_json + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=1)
        os.replace(tmp, args.out_json)
        log(args.verbose, "wrote", args.out_json, timings)
        cc = result["crossCheck"]
        if cc is not None:
            print("TB %s: %d folders, %d messages (source 'From ' lines: %d), "
                  "unread=%d flagged=%d replied=%d forwarded=%d; "
                  "source files not seen by TB: %d, count mismatches: %d; %.1fs"
                  % (result["thunderbird"]["version"], result["folderCount"],
                     result["totals"]["messages"], cc["sourceFromLines"],
                     result["totals"]["unread"], result["totals"]["flagged"],
                     result["totals"]["replied"], result["totals"]["forwarded"],
                     len(cc["sourceFilesNotSeenByTB"]), len(cc["countMismatches"]),
                     timings["totalS"]))
            if args.expect_all and not cc["allMessagesSeen"] and rc == 0:
                rc = 5
        bad_ab = 0
        for ab in result.get("addressBooks", []):
            err = (ab.get("error") or "").split("\n")[0]
            if ab.get("error") or not ab.get("cardCount"):
                bad_ab += 1
            print("TB %s contacts %s [%s]: %s, %d card(s)%s%s; %d ms"
                  % (result["thunderbird"]["version"], ab["file"], ab["type"],
                     "imported" if ab.get("imported") else "NOT imported",
                     ab.get("cardCount", 0),
                     (", %d list(s)" % len(ab["mailingLists"]))
                     if ab.get("mailingLists") else "",
                     (", error: " + err) if err else "",
                     ab.get("elapsedMs", -1)))
        if tree is None:
            print("total %.1fs" % timings["totalS"])
        if args.expect_contacts and bad_ab and rc == 0:
            rc = 6
    if args.keep_profile or rc in (3, 4):
        print("profile kept at %s (log: %s)" % (base, tb_log_path), file=sys.stderr)
    else:
        shutil.rmtree(base, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
