import type { Intent } from './types';

/**
 * The recognizer's knowledge, as tables. Patterns run on canonical text (canonical.ts): lower case, one spelling
 * per concept (`signin`, `mfa`, `audit log`, `conditionalaccess`, `serviceprincipal`, `objectid`), the user as
 * `_user_`, a pronoun or "this user" as `_ref_`, the app as `_app_`.
 */

export type ActionIntent =
  'action.revokeSessions' | 'action.confirmCompromised' | 'action.dismissRisk' | 'action.disableUser';

export type ReadIntent = Exclude<Intent, ActionIntent | 'unknown'>;

/** `weight` is how sure the pattern alone makes us; `when` limits it to messages with or without a user named. */
export interface Cue {
  pattern: RegExp;
  weight: number;
  when?: 'user' | 'noUser';
}

const cue = (pattern: RegExp, weight: number, when?: Cue['when']): Cue => ({ pattern, weight, when });

/** Who an action or a question is about: a user, a pronoun, or the thread's subject written as "the account". */
const SUBJ = String.raw`(?:(?:the )?(?:user|account) _user_|_user_|_ref_|the user|the account|this account|the same account)`;

/** Where an order may start: the message, a sentence, or a clause ("karita is compromised, revoke her sessions"). */
const CLAUSE = String.raw`(?:^|[.!?;,:]\s*|\s[-–]\s|\b(?:and|then|so|but|also)\s+)`;

/**
 * How people phrase an order to the bot: "please", "can you", "go ahead and", "I need you to", "let us". Anything
 * else in front of the verb ("did anyone", "should we", "who", "do not") makes it a question or a mention instead.
 */
const LEAD = String.raw`(?:(?:ok|okay|hey|yes|yeah|yep|right|now|then|so|alright|warden|please|kindly|go ahead and|just|immediately|quickly|urgently|urgent|asap|also|and)[,!:]?\s+)*(?:(?:can|could|would|will) you (?:please |kindly |just )?|(?:i|we) (?:need|want) (?:you )?to |i would like (?:you )?to |you (?:need|must) to |you must |let us |help me |need to |time to )?(?:please |kindly |just |now |immediately |quickly |go ahead and )?`;

const order = (body: string): RegExp => new RegExp(`${CLAUSE}${LEAD}(?:${body})`);

/**
 * A cheap first look: only a message holding one of these words can hold an order to act, so the long order patterns
 * run on few messages.
 */
export const ACTION_HINT =
  /\b(?:revoke|revoking|disabling|blocking|dismissing|marking|kill|terminate|end|invalidate|expire|reset|clear|nuke|close|drop|wipe|purge|sign|log|kick|boot|throw|force|signout|confirm|mark|flag|set|tag|label|declare|treat|change|dismiss|remove|resolve|disable|block|deactivate|suspend|lock|freeze|turn|shut|switch)\b/;

/** An explicit order to act; nothing else becomes an action (DESIGN §6: the bot never acts on a guess). */
export const ACTION_ORDERS: Readonly<Record<ActionIntent, readonly RegExp[]>> = {
  'action.revokeSessions': [
    order(
      String.raw`(?:revoke|kill|terminate|end|invalidate|expire|reset|clear|nuke|close|drop|wipe|purge)\s+(?:all\s+(?:of\s+)?)?(?:the\s+)?(?:${SUBJ}\s+)?(?:(?:active|current|existing|open|live|signin|refresh|access|user|web|browser|all)\s+){0,2}(?:sessions?|tokens?)\b`,
    ),
    order(String.raw`(?:sign|log|kick|boot|throw|force)\s+${SUBJ}\s+out\b`),
    order(String.raw`(?:force\s+(?:a\s+)?)?signout\s+(?:for\s+|of\s+)?${SUBJ}`),
    order(String.raw`force\s+(?:a\s+)?(?:signout|re-?authentication|reauthentication)\b`),
    order(String.raw`kick\s+out\s+${SUBJ}`),
  ],
  'action.confirmCompromised': [
    order(
      String.raw`(?:confirm|mark|flag|set|tag|label|declare|treat)\s+${SUBJ}\s+(?:as\s+|is\s+|to\s+|was\s+|has been\s+)?(?:confirmed\s+|being\s+)?(?:compromised|hacked|breached)\b`,
    ),
    order(String.raw`confirm\s+(?:the\s+)?(?:compromise|compromised)\s+(?:for\s+|of\s+|on\s+)?${SUBJ}`),
    order(
      String.raw`(?:set|mark|change)\s+${SUBJ}\s+risk(?:\s+state)?\s+(?:to|as)\s+(?:confirmed\s+)?compromised\b`,
    ),
  ],
  'action.dismissRisk': [
    order(
      String.raw`(?:dismiss|clear|close out|close|reset|remove|resolve)\s+(?:the\s+)?(?:${SUBJ}\s+)?(?:user\s+)?risk(?:\s+(?:state|level|detections?|events?))?\b(?!\s+(?:summary|report|history))`,
    ),
    order(String.raw`dismiss\s+${SUBJ}(?!\s+(?:as|is)\b)`),
    order(
      String.raw`(?:mark|flag|set|confirm)\s+${SUBJ}\s+(?:as\s+|is\s+)?(?:safe|a false positive|false positive|benign|not compromised|clean)\b`,
    ),
  ],
  'action.disableUser': [
    order(
      String.raw`(?:disable|block|deactivate|suspend|lock|freeze)\s+(?:the\s+)?(?:user\s+)?(?:account\s+(?:of\s+|for\s+)?)?${SUBJ}`,
    ),
    order(
      String.raw`(?:disable|block|deactivate|suspend|lock|freeze|turn off|shut off|shut down|switch off|kill|close)\s+(?:the\s+)?(?:${SUBJ}\s+)?(?:user\s+)?account\b`,
    ),
    order(String.raw`lock\s+${SUBJ}\s+out\b`),
    order(String.raw`(?:disable|block)\s+(?:signin|access|login)\s+(?:for|of)\s+${SUBJ}`),
  ],
};

const ACTION_VERB = String.raw`(?:revoke|revoking|disable|disabling|block|blocking|deactivate|suspend|lock|dismiss|dismissing|confirm|mark|marking|sign\s+\S+\s+out|signout|kill|terminate)`;

/**
 * An action word that is not an order: negated ("do not disable karita"), a suggestion between people ("I think we
 * should revoke her sessions"), or put off ("hold off on the revoke"). These are understood and deliberately not
 * answered with a skill: the person did not ask for one.
 */
export const NOT_AN_ORDER: readonly RegExp[] = [
  new RegExp(
    String.raw`\b(?:do not|never|not|no need to|would not|will not|should not|cannot|stop|hold off(?: on)?|refrain from|without)\s+(?:\S+\s+){0,2}?${ACTION_VERB}\b`,
  ),
  new RegExp(
    String.raw`\b(?:i|we) (?:think|believe|guess|suppose|reckon)?\s*(?:that\s+)?(?:we|you|they)\s+(?:should|could|might|may|must|ought to)\s+${ACTION_VERB}\b`,
  ),
  new RegExp(
    String.raw`\b(?:undo|cancel|revert|reverse|roll back)\s+(?:the\s+|that\s+|this\s+)?(?:\S+\s+)?(?:revoke|revocation|dismissal|disable|block|compromise|confirmation|action)\b`,
  ),
];

/**
 * An order that depends on something not yet known ("if she is compromised, disable her account", "revoke his
 * sessions unless it was him"): the condition is for a person to check, so it is not taken as an order.
 */
export const CONDITIONAL_ORDER = new RegExp(
  String.raw`\b(?:if|unless|in case|provided)\b[^.!?]*,\s*${LEAD}${ACTION_VERB}|${ACTION_VERB}\b[^.!?]*\b(?:if|unless|in case|provided that|only when)\b`,
);

/** Orders for things Warden does not do (delete logs, reset passwords, create users): never mapped to a skill. */
export const UNSUPPORTED_ORDER = new RegExp(
  `${CLAUSE}${LEAD}(?:delete|remove|erase|purge|wipe|clear|reset|change(?!\\s+(?:history|logs?|records?|events?|requests?|window|management|report))|modify|update|edit|rename|create|add|grant|assign|enable|re-?enable|unblock|unlock|restore|undo|cancel|revert|approve|deny|reject|order|book|write|translate|move|transfer|reinstate|clean up|shut down)\\b`,
);

/** Text written to steer a language model or the bot itself; never an action, and not answered as a question. */
export const PROMPT_INJECTION =
  /\b(?:ignore (?:all |any |the |your )?(?:previous|prior|above|earlier|preceding)|disregard (?:all |any |the |your )?(?:previous|prior|above|instructions|rules)|system\s*:|admin mode|developer mode|god mode|jailbreak|without (?:any |a )?confirm(?:ation|ing)?|skip (?:the )?confirm(?:ation)?|no confirmation|you are now|new instructions)|\baction\.[a-z]+/;

/** Orders that would reach many users at once: Warden acts on one user at a time, named or in the thread. */
export const MANY_USERS =
  /\b(?:everyone|everybody|all (?:the )?(?:users|accounts|people|staff|employees|admins|guests|members)|every (?:user|account|one)|the (?:whole|entire) (?:tenant|org|organi[sz]ation|company|team|department|bank))\b/;

/** Openings that continue the thread's subject: "and her audit logs?", "what about devices", "same for sign-ins". */
export const FOLLOW_UP_LEAD =
  /^(?:and|also|plus|what about|how about|same (?:for|with)|now|then|ok(?:ay)?,? (?:and|now|what about))\b/;

const WHO_DID = String.raw`(?:who|anyone|anybody|someone|somebody|an admin|any admin|by whom|which admin)`;
const PAST_ACTION = String.raw`(?:edited|touched|altered|disabled|blocked|locked|deactivated|suspended|revoked|dismissed|reset|changed|modified|updated|added|removed|deleted|created|confirmed|marked|granted|assigned|consented|enabled|unblocked|registered)`;

/** Read skills: the highest-scoring pattern wins; several patterns of one intent add a little. */
export const READ_CUES: Readonly<Record<ReadIntent, readonly Cue[]>> = {
  'user.details': [
    cue(/\b(?:user |account )?details?\b/, 0.62),
    cue(
      /\buser ?(?:details|info|information|record|profile)\b|\baccount (?:record|information|info)\b/,
      0.82,
    ),
    cue(/\bprofile\b/, 0.72),
    // "object id 0b6f…" only labels the user that follows; "what is her object id" asks for it.
    cue(/\bobjectid\b(?! _user_)/, 0.78),
    cue(
      /\bresolve\b.*\b(?:to|into) (?:a |the )?(?:user|person|name|account)\b|\bwhich user (?:is|has)\b/,
      0.74,
    ),
    cue(/\bwho ?is _user_/, 0.8),
    cue(/^_user_ (?:who is|who|is who)\b/, 0.8),
    cue(/\bwho is (?:_ref_|this|he|she)\b/, 0.7),
    cue(/\bwhois\b/, 0.82),
    cue(/\bwho (?:_user_|_ref_) (?:is|was|are)\b/, 0.8),
    cue(
      /\b(?:know|learn|find out|tell me) (?:more |anything |something )?about\b(?! _app_)|\bbackground (?:on|of|for)\b|\bdoes _user_ exist\b|\bis _user_ (?:a )?real\b/,
      0.7,
    ),
    cue(/\binfo(?:rmation)?\b/, 0.65),
    cue(/\b(?:look ?up|look-up|find|search for)\b[:\s-]+(?:the )?(?:user |objectid |account )?_user_/, 0.72),
    cue(/\b(?:user|account) (?:lookup|look-up|look up|search)\b/, 0.74),
    cue(
      /^(?:please )?(?:find|show|get|describe|display|fetch|pull up|pull|lookup|look up|search for|search|identify)(?: me)? (?:the )?(?:user |account )?_user_\s*[.?!]*$/,
      0.7,
    ),
    cue(/\breports? to\b|\bwho is (?:the )?(?:boss|supervisor|line manager)\b/, 0.72),
    cue(/\btell me (?:more )?about _user_/, 0.66),
    cue(/\btell me (?:more )?about _user_\s*[.?!]*$/, 0.74),
    cue(
      /\b(?:job ?title|title|department|dept|office|usage location|upn|user ?principal ?name|display ?name|account status|user ?type|on-?prem(?:ises)?|synced)\b/,
      0.68,
    ),
    cue(/\bmanager\b/, 0.7),
    cue(/\b(?:get|got|was|been) created\b|\bcreation\b/, 0.7, 'user'),
    cue(/\b(?:email|mail|address|phone number)\b(?! (?:for|registered))/, 0.7),
    cue(
      /\b(?:when (?:was|were) .*created|created (?:on|when)|creation date|when did .* join|join(?:ed)? (?:date|when))\b/,
      0.7,
    ),
    cue(
      /\b(?:last )?(?:change[ds]?|reset) (?:their |_ref_ |the )?password\b|\bpassword (?:change|last changed|age)\b/,
      0.66,
    ),
    cue(
      new RegExp(
        String.raw`\b(?:is|was) ${SUBJ}(?: account)? (?:still |currently |an? )?(?:enabled|disabled|blocked|active|locked(?: out)?|inactive|a guest|a member(?! of)|synced|blocked from signin|blocked from signing)\b`,
      ),
      0.78,
    ),
    cue(
      new RegExp(
        String.raw`\bhas ${SUBJ}(?: account)? been (?:disabled|blocked|locked|deactivated|enabled)\b`,
      ),
      0.78,
    ),
    cue(/\b(?:guest|member) or (?:a )?(?:guest|member)\b/, 0.85),
    cue(/\b(?:enabled|disabled|active|blocked|locked)\s*\?/, 0.7, 'user'),
  ],
  'user.devices': [
    cue(/\bdevices?\b/, 0.76),
    cue(
      /\b(?:laptops?|phones?(?! numbers?)|iphones?|androids?|computers?|machines?|endpoints?|pcs?|macbooks?|macs?|tablets?|ipads?|workstations?|hardware)\b/,
      0.68,
    ),
    cue(
      /\b(?:intune|compliant|non-compliant|noncompliant|managed|unmanaged|enrolled|enrollment|enrolments?|enrollments?|registrations?|jailbroken|rooted)\b/,
      0.5,
    ),
  ],
  'user.riskySignIns': [
    cue(/\brisky signins?\b/, 0.92),
    cue(/\brisky (?:activity|activities|behaviou?r|events?)\b|\brisky\b.*\bsignins?\b/, 0.86),
    cue(
      /\b(?:suspicious|anomalous|flagged|unusual|risk(?:y)?-flagged|malicious|weird|strange|odd) signins?\b/,
      0.9,
    ),
    cue(/\b(?:high|medium|low) risk signins?\b/, 0.92),
    cue(/\bsignins? (?:with|at|of|rated|flagged) (?:a )?(?:high|medium|low|any) (?:risk|level)\b/, 0.9),
    cue(/\brisk (?:detections?|events?)\b/, 0.86),
    cue(/\bdetections?\b/, 0.72),
    cue(/\bsignin risk\b/, 0.82),
    cue(
      /\b(?:impossible|atypical) travel\b|\banonymous ip|\banonymi[sz]ing|\bunfamiliar (?:signin|location|properties)|\bleaked credentials?|\bpassword spray|\bmalicious ip|\btor exit|\bmfa fatigue|\btoken (?:theft|replay)|\brisky (?:locations?|ips?|countries)/,
      0.86,
    ),
    cue(/\bsignins?\b.*\b(?:risky|suspicious|flagged|anomalous)\b/, 0.84),
  ],
  'user.signIns': [
    cue(/\bsignins?\b/, 0.62),
    cue(/\b(?:authentication|auth|access|login|logon) (?:logs?|history|events?|records?|attempts?)\b/, 0.84),
    cue(/\baccessed\b|\bapps? (?:has|did|does) (?:_user_|_ref_) (?:access|use|open)\b/, 0.72),
    cue(/\bsignin (?:logs?|history|activity|events?|attempts?|records?|data|report|entries)\b/, 0.82),
    cue(/\b(?:ips?|ip address(?:es)?|locations?|countr(?:y|ies)|geo ?location|cities|city)\b/, 0.48),
    cue(/\b(?:auth(?:entication)?|login) attempts?\b/, 0.78),
    cue(
      /\bfailed (?:signins?|attempts?|auth(?:entication)?s?|mfa)\b|\bmfa (?:failures|denials|prompts)\b/,
      0.8,
    ),
    cue(/\b(?:conditionalaccess|mfa) (?:failures?|results?|errors?|blocks?)\b/, 0.9),
    cue(/\bwhere (?:did|has|have|does|is) .*\bsignin\b/, 0.8),
    cue(/\bwhen did .*\blast signin\b|\blast signin\b/, 0.75),
    cue(
      /\bsignins? (?:from|on|with|using|via|through) (?:an? |the )?(?:\S+ ){0,2}(?:devices?|phones?|laptops?|browsers?|apps?|ips?|locations?|countries|vpn)\b/,
      0.83,
    ),
  ],
  'user.auditLogs': [
    cue(/\baudit\b/, 0.88),
    cue(/\bdirectory audits?\b/, 0.88),
    cue(/\bactivity log\b/, 0.72),
    cue(
      /\bwhat (?:has |have )?changed\b|\bchanges?\b (?:(?:were |was )?(?:made )?)?(?:to|on)\b|\bwhat changes\b/,
      0.78,
    ),
    cue(/\bchanges\b|\bchanges? made\b|\b(?:touched|tampered with|messed with|meddled with)\b/, 0.72),
    cue(new RegExp(String.raw`\b${WHO_DID}\s+(?:has\s+|have\s+|had\s+)?${PAST_ACTION}\b`), 0.94),
    cue(
      new RegExp(
        String.raw`\b(?:did|has|have) ${WHO_DID} (?:\S+ )?(?:revoke|disable|block|dismiss|reset|change|modify|add|remove|delete|grant|assign|confirm|mark|consent|enable|register)\b`,
      ),
      0.94,
    ),
    cue(/\bconsent(?:ed|s)?\b/, 0.62),
    cue(/\bwhat (?:actions|operations)\b|\bwhat did _user_ (?:do|change)\b/, 0.74),
    cue(
      new RegExp(
        String.raw`\bwhy was ${SUBJ}(?: account)? (?:disabled|blocked|locked|deactivated|suspended)\b`,
      ),
      0.88,
    ),
    cue(/\bwhen (?:was|were) .*\b(?:disabled|blocked|revoked|dismissed|marked|confirmed|locked)\b/, 0.84),
    cue(/\b(?:dismissal|revocation|modifications?)\b/, 0.62),
    cue(/\bpassword (?:resets|reset (?:history|events?|log))\b/, 0.8),
    cue(/\bsessions? (?:were |was |been |got )?revoked\b|\brevoked sessions?\b/, 0.8),
    cue(
      /\b(?:disabled|blocked|revoked|dismissed|changed|reset|modified|added|removed|locked) by (?:someone|somebody|an admin|whom|who|anyone|an attacker)\b/,
      0.92,
    ),
    cue(/\bmodified\b/, 0.6),
    cue(/\bby whom\b/, 0.86),
    cue(
      /\bchange (?:history|logs?|records?)\b|\badmin(?:istrative)? (?:actions?|activit(?:y|ies)|operations?|changes?)\b|\bwhat did (?:the |an |any )?admins? do\b/,
      0.86,
    ),
    cue(
      /\b(?:was|were|has|have) (?:anything|anyone|something|anybody|any \w+) (?:been )?(?:revoked|disabled|dismissed|changed|reset|blocked|deleted|modified|edited)\b/,
      0.86,
    ),
    cue(
      /\b(?:was|were|has|have|did) (?:a |an |the |any )?(?:revoke|revocation|dismissal|disable|block|reset|password reset|change)s?\b.*\b(?:done|made|performed|run|executed|applied|happen)\b/,
      0.84,
    ),
  ],
  'user.riskSummary': [
    cue(
      /\brisk (?:summary|overview|report|rundown|posture|profile|state|level|history|score|details?|status|assessment)\b/,
      0.86,
    ),
    cue(/\bsummar(?:y|ize|ized)\b.*\brisk\b|\brisk\b.*\bsummar(?:y|ize)\b/, 0.9),
    cue(
      /\bwhy (?:is|was|does|has) .*\b(?:risky|flagged|at risk|high risk|medium risk|low risk|compromised|a risk)\b/,
      0.86,
    ),
    cue(
      new RegExp(
        String.raw`\b(?:is|was|has|been) ${SUBJ}(?: account)? (?:been )?(?:risky|at risk|compromised|hacked|breached|pwned|a risky user|high risk|safe)\b`,
      ),
      0.86,
    ),
    cue(/\bhow risky\b/, 0.86),
    cue(/\bhow (?:concerned|worried|bad|serious|dangerous|urgent)\b/, 0.8, 'user'),
    cue(/\brisky user _user_|\b_user_ (?:is )?(?:a )?risky user\b/, 0.84),
    cue(/\bhow bad\b/, 0.7, 'user'),
    cue(
      /\b(?:what should (?:i|we) do|next steps?|recommend(?:ed|ations?)?|remediat\w*|what now|what do (?:i|we) do|suggest(?:ed|ions?)?|advi[cs]e|what would you do|how (?:should|do) (?:i|we) (?:handle|respond|deal))\b/,
      0.76,
    ),
    cue(
      /\bshould (?:i|we) (?:revoke|disable|block|dismiss|mark|confirm|reset|lock|sign)\b|\bshould (?:_user_|_ref_)(?: \S+){0,2} be\b|\b(?:_user_|_ref_) should be (?:disabled|blocked|revoked|locked|dismissed|marked|confirmed)\b/,
      0.82,
    ),
    cue(/\bwould (?:revoking|disabling|dismissing|blocking|marking)\b/, 0.78),
    cue(
      /\b(?:is it time|do (?:i|we) need|ought (?:i|we)|is it worth|is it wise|would it be wise|does it make sense) to (?:revoke|disable|block|dismiss|mark|confirm|lock|sign)\b/,
      0.82,
    ),
    cue(/\b(?:_user_|_ref_) (?:user )?risk\b/, 0.8),
    cue(/\brisk\b/, 0.52, 'user'),
    cue(/\b(?:compromised|hacked|breached)\b/, 0.6, 'user'),
    cue(/\bexplain\b.*\brisk/, 0.82),
  ],
  'user.authMethods': [
    cue(/\bmfa\b/, 0.72),
    cue(
      /\b(?:auth(?:entication)?|signin|security|login|verification|mfa|2fa) (?:methods?|options?|factors?|info)\b/,
      0.9,
    ),
    cue(
      /\bauthenticator\b|\bfido2?\b|\bpasskeys?\b|\bsecurity keys?\b|\bwindows hello\b|\btotp\b|\boath\b|\bsspr\b|\bhardware tokens?\b|\bsms\b|\bphone numbers?\b|\btemporary access pass\b|\bsoftware tokens?\b|\bmfa (?:apps?|devices?)\b/,
      0.8,
    ),
    cue(/\bauthenticate\b/, 0.62),
    cue(/\bmethods?\b/, 0.5),
  ],
  'user.groups': [
    cue(/\bgroups?\b/, 0.76),
    cue(/\broles?\b/, 0.76),
    cue(/\bmember ?of\b|\bmemberships?\b|\bmember\b/, 0.76),
    cue(
      /\b(?:global|privileged|directory|admin|administrator|security|exchange|sharepoint|user|helpdesk|billing) (?:roles?|admins?|administrators?)\b|\b(?:is|are) _user_ (?:a|an) (?:\S+ )?admin/,
      0.82,
    ),
    cue(/\badmin(?:istrator)?s?\b/, 0.52),
    cue(/\bprivileged?\b|\bprivileges\b/, 0.7),
    cue(/\bpermissions?\b/, 0.58, 'user'),
    cue(/\baccess\b/, 0.48, 'user'),
    cue(/\bteams\b/, 0.58),
    cue(/\bbelongs? to\b|\bpart of\b|\bdistribution lists?\b/, 0.62),
  ],
  'user.investigate': [
    cue(/\binvestigat\w*\b/, 0.92),
    cue(
      /^(?:please )?(?:analy[sz]e|review|assess|check(?: on| out)?)(?: the)?(?: account| user)? (?:_user_|_ref_)(?: account)?\s*[.?!]*$/,
      0.76,
    ),
    cue(/\b(?:complete|full|thorough) (?:analysis|assessment|review)\b/, 0.8),
    cue(/\btriage\b/, 0.86),
    cue(
      /\bdeep[ -]?dive\b|\bdig into\b|\blook into\b|\b(?:full|whole|complete|big) picture\b|\beverything (?:on|about)\b|\btimeline\b|\bincident (?:card|report|summary)\b|\bwhat happened (?:to|with)\b|\bwhat is (?:going on|up|happening) with\b|\bfull (?:report|story|rundown|review)\b|\bpull everything\b/,
      0.82,
    ),
  ],
  'tenant.riskyUsers': [
    cue(/\brisky (?:users?|accounts?|people|employees|identities|members|staff)\b/, 0.9, 'noUser'),
    cue(/\b(?:high|medium|low) risk (?:users?|accounts?|people)\b/, 0.92, 'noUser'),
    cue(
      /\b(?:users?|accounts?|people|identities) (?:(?:are|is|currently|right now|who are)\s+){0,2}(?:at|with|flagged|marked|rated|flagged as|in) (?:\S+ ){0,2}risk/,
      0.88,
      'noUser',
    ),
    cue(/\bat risk (?:users?|accounts?)\b/, 0.9, 'noUser'),
    cue(
      /\bwho(?: else)? (?:is|are) (?:currently |now )?(?:risky|at (?:high |medium |low )?risk|(?:high|medium|low) risk|compromised|flagged)\b/,
      0.86,
      'noUser',
    ),
    cue(/\bwho (?:is|are) (?:the )?(?:\S+ )?risky\b/, 0.84, 'noUser'),
    cue(
      /\b(?:anyone|anybody|somebody|someone|who) (?:else )?(?:is |are )?(?:currently |now )?(?:at risk|risky|at high risk|high risk|compromised)\b/,
      0.84,
      'noUser',
    ),
    cue(/\bcompromised (?:users?|accounts?|people|identities)\b/, 0.84, 'noUser'),
    cue(
      /\b(?:users?|accounts?) (?:are|is|were) (?:currently |now )?(?:compromised|risky|at risk|high risk)\b/,
      0.86,
      'noUser',
    ),
    cue(
      /\b(?:users?|accounts?)\b.*\b(?:risky|at risk|high risk|medium risk|low risk|compromised|with risk)\b/,
      0.66,
      'noUser',
    ),
    cue(
      /\brisky user report\b|\bidentity protection\b.*\busers\b|\busers\b.*\bidentity protection\b/,
      0.86,
      'noUser',
    ),
    cue(
      /\b(?:users?|accounts?) (?:flagged|marked|detected)\b|\bflagged (?:users|accounts)\b/,
      0.84,
      'noUser',
    ),
    cue(/\bwho (?:has|have) been (?:flagged|marked|detected|rated)\b/, 0.86, 'noUser'),
  ],
  'tenant.riskyApps': [
    cue(
      /\brisky (?:apps?|applications?|serviceprincipals?|workload identit(?:y|ies)|enterprise apps?|enterprise applications?|oauth apps?|app registrations?)\b/,
      0.93,
    ),
    cue(/\b(?:high|medium|low) risk (?:apps?|applications?|serviceprincipals?)\b/, 0.93),
    cue(
      /\b(?:suspicious|malicious|compromised|flagged|dangerous|rogue) (?:oauth )?(?:apps?|applications?|serviceprincipals?)\b/,
      0.86,
    ),
    cue(
      /\b(?:apps?|applications?|serviceprincipals?)\b.*\b(?:risky|flagged|at risk|compromised|suspicious)\b/,
      0.76,
    ),
    cue(
      /\b(?:risky|flagged|at risk|compromised|suspicious)\b.*\b(?:apps|applications|serviceprincipals?)\b/,
      0.76,
    ),
    cue(/\bworkload identit/, 0.72),
    cue(
      /\b(?:serviceprincipals?|apps|applications) (?:with|have|having|that have|showing) (?:any )?(?:risk|detections|alerts)/,
      0.9,
    ),
  ],
  'app.details': [
    cue(/\b_app_\b/, 0.72, 'noUser'),
    cue(/\b_app_\b/, 0.46, 'user'),
    cue(
      /\b_app_\b.*\b(?:owners?|owns|credentials?|secrets?|certificates?|certs?|permissions?|consents?|expire|expiry|expires|details|access|scopes?|grants?)\b|\b(?:owners?|owns|credentials?|secrets?|certificates?|permissions?|consent(?:ed)?|details|info|access)\b.*\b_app_\b/,
      0.9,
      'noUser',
    ),
    cue(
      /\b(?:the|this|that) (?:app|application|serviceprincipal)\b.*\b(?:owners?|owns|credentials?|secrets?|permissions?|expire|details)\b|\b(?:owners?|owns|credentials|secrets|permissions|details)\b.*\b(?:the|this|that) (?:app|application|serviceprincipal)\b/,
      0.74,
      'noUser',
    ),
  ],
  'policies.gaps': [
    cue(/\bconditionalaccess\b/, 0.88),
    cue(/\bpolic(?:y|ies)\b/, 0.64),
    cue(/\b(?:gaps?|holes?|loopholes?|blind spots?|coverage|weaknesses)\b/, 0.5),
    cue(/\bexclu(?:ded|sions?|de[sd]?)\b/, 0.58),
    cue(
      /\bmfa\b.*\b(?:enforced|required|enforce|require|mandatory|covered|not covered|coverage)\b|\b(?:enforce|require)[sd]? mfa\b|\bcoverage of mfa\b/,
      0.82,
    ),
    cue(/\bsecurity defaults\b|\breport-?only\b|\blegacy auth(?:entication)?\b/, 0.8),
    cue(/\bmfa polic(?:y|ies)\b|\b(?:covered|enforced|required|protected) by (?:an? )?mfa\b/, 0.86),
    cue(
      /\bpolic(?:y|ies)\b.*\b(?:apply|applies|cover|covers|exclude|excludes|target|gaps?|enforce|missing)\b|\b(?:apply|applies) to (?:_user_|_ref_)\b/,
      0.86,
    ),
  ],
  help: [
    cue(
      /^(?:help|\/help|\?+|commands?|menu|usage|examples?|options|start|\/start|hi|hello|hey|hiya|yo|greetings|good (?:morning|afternoon|evening)|warden)(?: (?:warden|there|bot|everyone))?[!.?]*$/,
      0.92,
    ),
    cue(
      /\bwhat (?:can|do|could) (?:you|warden|this bot|the bot|this thing|it) do\b|\bwhat are you (?:able|capable)\b/,
      0.92,
    ),
    cue(
      /\b(?:your|warden|the bot) (?:commands|capabilities|skills|features)\b|\bwhat (?:commands|skills|questions|things|features|capabilities)\b/,
      0.86,
    ),
    cue(
      /\bhow (?:do|can|should) (?:i|we) use\b|\bhow does (?:this|the|warden)\b.*\bwork\b|\bhow to use\b/,
      0.86,
    ),
    cue(
      /\bhow (?:do|can|would) (?:i|we|you|one) (?:revoke|disable|block|dismiss|mark|confirm|investigate|ask|check|sign)\b/,
      0.78,
    ),
    cue(
      /\bwhat (?:kinds?|sorts?|types?) of (?:things|questions|stuff|requests|queries)\b|\bhow (?:do|can|should) (?:i|we) (?:talk|speak|chat|interact|work) (?:to|with) (?:you|warden|the bot)\b/,
      0.86,
    ),
    cue(
      /\bexample (?:questions|prompts|queries|commands)\b|\b(?:show|give) me (?:some )?examples\b|\blist (?:your|all) (?:capabilities|commands|skills)\b/,
      0.86,
    ),
    cue(/\bhelp\b/, 0.6),
    cue(/\b(?:list of |all (?:your )?|your )(?:commands|skills|capabilities)\b|^commands\b/, 0.86),
    cue(/\bcan you help\b/, 0.66),
    cue(/\bwhat (?:you|warden|this bot|the bot) (?:can|could) do\b/, 0.9),
    cue(
      /^(?:show|list|print|display|give me)? ?(?:the |your |all )?(?:commands|capabilities|features|instructions|manual|docs|documentation|guide|tutorial|usage)\s*[?!.]*$|\bgetting started\b|\bwhat do you (?:do|know)\b|\bhow does this (?:bot |thing )?work\b/,
      0.86,
    ),
    cue(/\bwhat (?:can|should|could|do) i (?:ask|say|type|request)\b/, 0.88),
    cue(
      /\b(?:are you able to|can you|do you|could you|is it possible to|can warden) (?:revoke|disable|block|dismiss|mark|confirm|investigate)\b(?! (?:_user_|_ref_|the user|the account))/,
      0.8,
    ),
  ],
};

/** Intents whose answer is about one user (so a named user, a pronoun or the thread's subject is meant). */
export const USER_INTENTS: ReadonlySet<Intent> = new Set<Intent>([
  'user.details',
  'user.devices',
  'user.riskySignIns',
  'user.signIns',
  'user.auditLogs',
  'user.riskSummary',
  'user.authMethods',
  'user.groups',
  'user.investigate',
  'policies.gaps',
  'action.revokeSessions',
  'action.confirmCompromised',
  'action.dismissRisk',
  'action.disableUser',
]);
