/**
 * Words that are never a person's name where a name could stand ("sign-ins for ___", "who is ___", "___'s devices").
 * A name is whatever is left, so a missing word here can turn "sign-ins for contractors" into a user called
 * "contractors": the bot would then look up that name, find nobody and say so. That is a visible miss, never a
 * query about a different user (names are resolved against the directory and ambiguity is handed back), but the
 * list is generous on purpose.
 */
const WORDS = `
a about above across act action actions activity activities actually add added adding additional address addresses
adress admin admins administrator administrators advice after again against agent ago alert alerts all allowed also
always am an analysis analyst analytics and android anomalies anomalous another any anybody anyone anything anyway
anywhere api app application applications apply applied apps are area around as ask asked assigned assignment
assignments at atypical audit audits auth authenticate authenticated authentication authenticator authn available
away azure back bad bank be because been before behalf being below belong belongs best between block blocked both
breach breached broken bulk but by ca can card cards case cert certificate certificates certs change changed changes
check checked city client code codes columns company compare compared compliance compliant compromise compromised
computer computers conditional confirm confirmed consent consented context contractor contractors could
count countries country coverage covered create created credential credentials critical csv current currently
customer customers dashboard data date day days default defender delete deleted department departments dept detail
details detected detection detections device devices did different directory disable disabled dismiss dismissed
dismissal do does doing domain done down during each edit either else email emails employee employees enable enabled
end endpoint endpoints enforce enforced enforcement engineering enrolled enterprise entire entra entries entry error
errors even event events ever every everybody everyone everything everywhere evidence example examples exchange
excluded exclusion exclusions executive executives expire expired expires expiry external extract failed failure
failures false few fido file filter finance find first flag flagged for format found from full gap gaps get give global
go good grant granted graph grid group groups guest guests had has have having he hello help helpdesk her here hers
high him his history holes home host how hr i id identities identity if impossible in incident incidents info
information ins internal intune into investigate investigation ip ips is it its itself job just key keys know last
late lately latest legal level levels license licenses like list location locations lock locked log logged logging
login logins logon logs look low made mail make manage managed manager managers many mark marked me medium member
members membership memberships method methods mfa microsoft might mine mobile month months more most my myself name
names need network new next night no none not now number numbers object of off office oid ok okay old on one only
open or org organization organisation other others our ours out outlook over owned owner owners ownership owns page
partner partners password passwords past people per permission permissions person personal phone phones picture
please pls plz policies policy portal possible posture previous principal principals privilege privileged privileges
profile prompt prompts properties protection pull quick recent recently recommend record records red regarding
register registered registration registrations related remote report reports request require required reset resets
result results revoke revoked right risk risks risky role roles run safe sales same say score security see sent
service services session sessions set setting settings she should show sign signed signin signins signs since site
so some someone something soon sp specific spray sps staff state status still summary suspicious synced system
table tabular team teams tell tenant than thank thanks that the their them then there these they thing things this
those through time timeline title to today token tokens too top total travel tried trusted type under unfamiliar
unknown unmanaged upn noncompliant until up us usage use used user username users using vendor vendors very via view vpn was way we
week weekend weeks were what when where whether which while who whole whom whose why will windows with within without
work workers working would year years yes yesterday you your yours
accounting branch branches contoso development fabrikam interns leadership management marketing operations ops
payroll research support tellers trading treasury woodgrove
able absolutely access accessed according account's actually adding admin's advise affected afternoon agents ahead
alerting allow already alright although among anomaly answer anything's apologies appear appears apple approve
approved arrived asap assess assessment assist attack attacked attacker attackers attempt attempted attempts
auditing authorized automatic automatically aware bit blob bot bots breakdown brief briefly broke browser bug build
built business busy button call called calls came cancel cannot care careful cause caused certain chance channel
chat cheers chrome clean cleaned clear clearly click close closed cloud col come coming comment common complete
completely computer concern concerned confirmation connect connected connection consider contact contain contains
continue copy correct correctly cost couple cover create creating critical cross currently customer daily damage
dark dashboard deal dear decide deep define delay deny describe description desktop detail detect determine
develop did didn different digital direct directly discuss display document doing domain double draft drive drop
due during early easy edge effect either else email enough ensure entire environment error escalate escalated
especially etc evening everything's exactly exist existing expect expected explain explained exposed exposure
extra fact fail fails fake fast fatigue feature feel fetch fine finish fire firewall fix fixed flow focus follow
following forgot form forward found free fresh friday full further future general generate generated given
glad going gone got great guess guy guys half handle happen happened happening happens hard hash head hear held
hey hi hide high hit hold hope hour hours huge idea immediately important include included including increase
indeed indicator indicators individual initial inside instead interesting issue issues item items keep kind
latest launch lead leak leaked learn least leave left less let letter lift light likely limit line link links
little live load local locate logic long longer looking looks loop lost lot lots lunch machine mailbox main major
malware manual manually matter maybe mean means meeting mention message messages middle mind minute minutes
miss missing mode moment morning move much must name's near necessary needed needs network's never nice nobody
normal note nothing notice noticed number office often okay once online open opened operation option options
order original otherwise outside overall overview own part particular pass patch path pending perhaps period
phished phishing pick piece place plan platform play point pop popup possible post potential power present
pretty prevent previous print priority private probably problem problems process produce product production
proper properly provide public purpose push put query question questions quick quickly quite raise random rather
reach read ready real really reason receive received recent record red reduce refresh region regular relevant
remain remember remove removed repeat replace reply reported request requested research resolve resource
respond response rest restore restrict return review rule rules running safe said save saw scan screen search
second secure see seem seems seen select send sense sensitive separate serious server set seven share short
should show shown sign simple since single six slack slow small soc solve someone's something's sorry sort
source space spam special specifically spent start started state status stay step steps stop stopped store
story strange stuff subject submit success successful successfully suggest summary sure suspect suspected switch
system take taken talk target targeted task team's technical tell test text thanks thing think third though
thought three threat threats ticket tickets tight timeframe tomorrow tonight took tool total touch track traffic
trigger triggered trouble true trust try trying turn twice type typical understand unless unusual update updated
upon urgent usual usually value verify version via view visible wait want wanted warning watch web website weird
welcome went whatever whether wide wider window wish won wonder word words world worry worse worth wrong yeah yep
yet zero warden bot called named business legacy basic auth shift shifts command commands vip vips exec execs
contractor's onboarding offboarding leavers joiners movers newcomers hires intern interns temp temps batch
breakglass break-glass emergency service-account svc ops sre devops dev devs prod production staging test testing
list lists entire whole rest others overall summary call duty leave site board premises prem hold top
behalf track alert
sso saml oauth oidc ldap kerberos ntlm pim pam mdm mam edr xdr siem soar ueba tor mac macos ios linux android
iphone ipad chromebook browser edge firefox safari salesforce sharepoint onedrive exchange office office365 o365
m365 azure aws gcp google gmail zoom slack workday servicenow okta github gitlab jira confluence dropbox box adobe
citrix webex sap oracle snowflake tableau powerbi intune defender sentinel purview entra aad
russia china nigeria brazil india ukraine iran korea london paris moscow beijing seattle york singapore tokyo
amsterdam germany france uk usa us canada mexico netherlands ireland spain italy poland romania vietnam
hong kong dubai europe asia africa america abroad overseas country's
average default example instance general particular purpose reference record sake safety security's show
anyone's everyone's nobody's somebody's total fine ok okay good bad worse best better sure true false real
anything nothing everything something whatever however whenever wherever whoever whichever
lookup whois triage summarize summarise deactivate suspend freeze resolve explain describe pull grab dump fetch
display search query terminate invalidate kill kick boot investigating revoking disabling blocking dismissing
north south east west central northern southern eastern western
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september
october november december
`;

/** A set from a space-separated list: word lists read better as text than as one quoted word per line. */
export const words = (list: string): ReadonlySet<string> => new Set(list.split(/\s+/).filter(Boolean));

export const STOP_WORDS = words(WORDS);

/** A "name" directly followed by one of these is a description of many people ("Finance users"), not a person. */
export const GROUP_NOUNS =
  words(`users user accounts account people staff team teams employees members group groups department admins guests
   workers contractors vendors devices apps applications folks executives members`);

/** Pronouns and phrases that point back at the thread's subject instead of naming someone. */
export const REFERENCE_PATTERN =
  /\b(?:her|hers|herself|his|him|himself|she|he|they|them|their|theirs|this (?:user|account|person|guy|one|employee)|that (?:user|account|person|guy|employee)|the same (?:user|account|person)|same (?:user|account|person)|said user|the user|the account|the person|the employee)\b/i;

/** Words in a name that mark it as an application rather than a person ("HR Sync", "Payroll Connector"). */
export const APP_WORDS =
  words(`api app apps bot bots connector connectors sync portal gateway integration plugin addin add-in agent automation
   exporter importer tracker crm erp service services tool tools client dashboard analytics backup scanner monitor
   reader writer uploader downloader manager suite hub platform cloud online mailer notifier assistant`);
