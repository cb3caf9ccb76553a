// Package certificate holds the register of people's safety certificates
// (人员证书): the 安全生产知识和管理能力考核合格证 of principals and safety
// managers (valid 3 years) and the 特种作业操作证 of special operators
// (valid 6 years, 复审 every 3 years); their renewals and reviews; the
// expiry reminders; and the survey of enterprises whose principal or
// safety manager holds no valid certificate, with the warning that gives
// them three months to obtain one (督促三个月之内通过培训取得资格).
//
// Files: model.go (pure rules, unit-tested), date.go (calendar dates),
// service.go (register, scope, audit), survey.go (missing list, warnings,
// survey records, report figures), sweep.go (expiry reminders), ledger.go
// (Excel), export.go (survey and warnings exports, the 警告通知书 PDF),
// http.go (pages and API), demo.go.
//
// Choices made here:
//
//   - Calendar dates (issue, expiry, review, warning, deadline) are stored
//     as TEXT 'YYYY-MM-DD' of the Asia/Shanghai calendar; "today" is the
//     Shanghai date of the service's clock. A certificate is valid through
//     its expiry date. valid_until (the earlier of expiry and the next
//     复审) is kept by the program so lists filter by status in SQL.
//   - ID numbers (居民身份证号) are checked against GB 11643 (length,
//     digits, date of birth, check character; internal/kit/person). They are
//     sealed at rest (internal/kit/crypt, with a blind index for the search)
//     and masked as 3401**********1234 in pages, the API, exports and the
//     audit log for every reader except administrators, section staff (who
//     only ever see their own sectors) and an enterprise account (its own
//     people). Every field that may embed an ID number is masked the same
//     way for those readers: the 特种作业操作证 number is the holder's ID
//     number with a T in front (T3499**********0130), and notes, renewal
//     records and expiry notifications are masked with person.MaskIDsIn.
//   - Enterprise accounts may record and renew their own people's
//     certificates; such entries are 待核验 (not verified) until the
//     supervising section checks them, and only verified certificates count
//     in the survey or clear a warning. Entries saved by the section count
//     as checked.
//   - Survey scope by default: 工贸 enterprises above designated size and
//     every enterprise of the high-risk sectors (InSurvey); choosing a
//     sector shows all its enterprises. Closed enterprises are left out.
//   - A warning (警告) records the roles lacking a certificate on its
//     date, deadline = date + 3 calendar months (month ends clamp), at most
//     one open warning per enterprise (certificate_warning.open_key). It
//     clears, in the same transaction, when a write leaves both roles with
//     a valid verified certificate; past its deadline it is 逾期.
//   - The survey page looks at any day: renewals keep the earlier periods,
//     so "was there a valid certificate on 2022-06-10" is answered from
//     records. "Record this survey" stores one check per enterprise and day
//     (certificate_check), the record behind the report's figure.
package certificate
