import type { MfaStrings } from '../en.js';

// Gender-neutral phrasing (impersonal "יש ל…", "אפשר ל…"). In `enrollScan` a right-to-left mark
// (U+200F) follows each comma so the Latin app names are listed right to left.
const he: MfaStrings = {
  promptTitle: 'אימות זהות',
  promptIntro: 'כדי להמשיך, יש להזין את הקוד מאפליקציית האימות.',
  recoveryIntro: 'יש להזין אחד מקודי השחזור שנשמרו בזמן הגדרת האימות הדו-שלבי.',
  codeLabel: 'קוד אימות',
  recoveryCodeLabel: 'קוד שחזור',
  verify: 'אימות',
  verifying: 'בבדיקה…',
  cancel: 'ביטול',
  close: 'סגירה',
  useRecoveryCode: 'שימוש בקוד שחזור',
  useAuthenticator: 'שימוש באפליקציית האימות',
  loading: 'בטעינה…',
  tryAgain: 'ניסיון חוזר',
  wrongCode: {
    one: 'הקוד לא התקבל. נותר עוד {count} ניסיון.',
    two: 'הקוד לא התקבל. נותרו עוד {count} ניסיונות.',
    other: 'הקוד לא התקבל. נותרו עוד {count} ניסיונות.',
  },
  malformedCode: 'יש להזין את הקוד בן {digits} הספרות מאפליקציית האימות.',
  malformedRecoveryCode: 'יש להזין קוד שחזור בפורמט abcd-efgh-ijkl-mnop.',
  locked: 'הוזנו יותר מדי קודים שגויים. אפשר לנסות שוב בעוד {minutes}.',
  expired: 'תוקף הבקשה פג. יש להתחיל מחדש.',
  notEnrolled: 'קודם צריך להגדיר אימות דו-שלבי.',
  enrollFirst: 'כדי להמשיך, קודם צריך להגדיר אימות דו-שלבי. זה לוקח רק דקה.',
  nextCodeHint: 'כמעט סיימנו. כשיופיע קוד חדש באפליקציה, יש להזין אותו כדי להמשיך.',
  networkError: 'לא הצלחנו להתחבר לשרת. כדאי לבדוק את החיבור ולנסות שוב.',
  serverError: 'משהו השתבש אצלנו. אפשר לנסות שוב.',
  minutes: { one: '{count} דקה', two: '{count} דקות', other: '{count} דקות' },

  enrollTitle: 'הגדרת אפליקציית האימות',
  enrollScan: 'יש לסרוק את קוד ה-QR הזה באפליקציית אימות כמו Google Authenticator,\u200f Microsoft Authenticator,\u200f 1Password או Authy.',
  enrollQrAlt: 'קוד QR להוספת החשבון הזה לאפליקציית אימות',
  enrollManual: 'הסריקה לא מצליחה? אפשר להזין את המפתח הזה באפליקציה:',
  enrollOpenApp: 'פתיחה באפליקציית אימות במכשיר הזה',
  enrollCodePrompt: 'לאחר מכן יש להזין את הקוד בן {digits} הספרות שמוצג באפליקציה.',
  enrollCodeLabel: 'הקוד מהאפליקציה',
  enrollConfirm: 'אישור',
  copy: 'העתקה',
  copied: 'הועתק',
  secretLabel: 'מפתח הגדרה',
  recoveryTitle: 'שמירת קודי השחזור',
  recoveryIntroEnroll: 'אם הטלפון יאבד, כל אחד מהקודים האלה יאפשר להיכנס פעם אחת. חשוב לשמור אותם במקום בטוח: הם מוצגים רק עכשיו.',
  recoveryListLabel: 'קודי שחזור',
  download: 'הורדה',
  done: 'סיום',
  recoveryFileHeader: 'קודי שחזור — אפשר להשתמש בכל קוד פעם אחת בלבד.',
};

export default he;
