#include "protocol/hubcontract.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <optional>

using namespace farmchat;

namespace {

// One JavaScript call found in a script: where it is and its arguments as
// source text.
struct ScriptCall
{
    int line = 0;
    QStringList arguments;
};

// The string a JavaScript argument spells literally ('x' or "x"), if it is one.
std::optional<QString> stringLiteral(const QString &argument)
{
    static const QRegularExpression literal(QStringLiteral(R"(^(['"])(\w*)\1$)"));
    const QRegularExpressionMatch match = literal.match(argument);
    if (!match.hasMatch())
        return std::nullopt;
    return match.captured(2);
}

// The arguments of the call whose '(' is at `open`, split at top-level commas.
// Enough JavaScript for the chat's scripts: brackets and string literals
// (template literals' ${...} included) nest; comments inside a call do not occur.
QStringList callArguments(const QString &script, qsizetype open)
{
    QStringList arguments;
    QString current;
    QList<QChar> nesting; // closing brackets and quotes awaited, innermost last
    for (qsizetype i = open + 1; i < script.size(); ++i) {
        const QChar c = script.at(i);
        const bool inString = !nesting.isEmpty()
            && (nesting.last() == u'\'' || nesting.last() == u'"' || nesting.last() == u'`');
        if (inString) {
            current += c;
            if (c == u'\\' && i + 1 < script.size())
                current += script.at(++i);
            else if (c == nesting.last())
                nesting.removeLast();
            else if (nesting.last() == u'`' && c == u'$' && script.mid(i + 1, 1) == u"{")
                nesting.append(u'}');
            continue;
        }
        if (nesting.isEmpty() && (c == u')' || c == u',')) {
            if (!current.trimmed().isEmpty() || c == u',')
                arguments.append(current.trimmed());
            if (c == u')')
                return arguments;
            current.clear();
            continue;
        }
        current += c;
        if (c == u'(' || c == u'[' || c == u'{')
            nesting.append(c == u'(' ? u')' : c == u'[' ? u']' : u'}');
        else if (c == u'\'' || c == u'"' || c == u'`')
            nesting.append(c);
        else if (!nesting.isEmpty() && c == nesting.last())
            nesting.removeLast();
    }
    return arguments; // unterminated: the caller sees what there is
}

// Every call `<something>.<method>(...)` in `script`.
QList<ScriptCall> callsOf(const QString &script, const QString &method)
{
    QList<ScriptCall> calls;
    const QRegularExpression call(QStringLiteral("\\.%1\\s*\\(").arg(method));
    for (const QRegularExpressionMatch &match : call.globalMatch(script)) {
        const qsizetype open = match.capturedEnd() - 1;
        calls.append({int(script.left(open).count(u'\n')) + 1, callArguments(script, open)});
    }
    return calls;
}

const hubcontract::Method *find(auto &methods, const QString &name, Qt::CaseSensitivity cs)
{
    for (const hubcontract::Method &method : methods) {
        if (QString(method.name).compare(name, cs) == 0)
            return &method;
    }
    return nullptr;
}

QString readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

} // namespace

// The hub contract (protocol/hubcontract.h) is spelled once in C++; the
// JavaScript that speaks it cannot include a header, so this reads it: the
// node's web page (as the node serves it, from the resources) and the e2e
// tests (from the source tree).
class tst_HubContract : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void namesAreDistinctWithoutCase();
    void webPageInvokesOnlyHubMethods();
    void webPageHandlesOnlyClientMethods();
    void e2eTestsUseContractNames();
};

void tst_HubContract::namesAreDistinctWithoutCase()
{
    // Both ends match names without regard to case.
    QStringList names;
    for (const hubcontract::Method &method : hubcontract::kHubMethods)
        names.append(QString(method.name).toLower());
    for (const hubcontract::Method &method : hubcontract::kClientMethods)
        names.append(QString(method.name).toLower());
    QCOMPARE(names.size(), 10);
    names.removeDuplicates();
    QCOMPARE(names.size(), 10);
}

void tst_HubContract::webPageInvokesOnlyHubMethods()
{
    const QString js = readFile(QStringLiteral(":/web/app.js"));
    QVERIFY2(!js.isEmpty(), ":/web/app.js is missing or empty");
    const QList<ScriptCall> calls = callsOf(js, QStringLiteral("invoke"));
    QVERIFY2(calls.size() >= int(hubcontract::kHubMethods.size()), "app.js invokes too little");
    QSet<QString> used;
    for (const ScriptCall &call : calls) {
        const QString where = QStringLiteral("app.js line %1: ").arg(call.line);
        QVERIFY2(!call.arguments.isEmpty(), qPrintable(where + u"invoke() without a method"));
        const auto name = stringLiteral(call.arguments.first());
        QVERIFY2(name,
            qPrintable(where + u"invokes " + call.arguments.first()
                + u", not a method named in protocol/hubcontract.h"));
        const hubcontract::Method *method
            = find(hubcontract::kHubMethods, *name, Qt::CaseSensitive);
        QVERIFY2(method,
            qPrintable(
                where + u"invokes '" + *name + u"', which protocol/hubcontract.h does not name"));
        QVERIFY2(call.arguments.size() - 1 == method->argumentCount,
            qPrintable(where
                + QStringLiteral("%1 takes %2 argument(s), the page passes %3")
                      .arg(*name)
                      .arg(method->argumentCount)
                      .arg(call.arguments.size() - 1)));
        used.insert(*name);
    }
    // What the page offers: chat in rooms, names and catch-up.
    for (const hubcontract::Method &method : {hubcontract::kSendToRoom, hubcontract::kJoinRoom,
             hubcontract::kLeaveRoom, hubcontract::kSetName, hubcontract::kHistory})
        QVERIFY2(used.contains(QString(method.name)),
            qPrintable(QStringLiteral("app.js never invokes %1").arg(method.name)));
}

void tst_HubContract::webPageHandlesOnlyClientMethods()
{
    const QString js = readFile(QStringLiteral(":/web/app.js"));
    QVERIFY(!js.isEmpty());
    // The page lowers the target once, then compares it with lower-case names.
    static const QRegularExpression lowered(
        QStringLiteral(R"(onInvocation\(\s*String\(msg\.target[^)]*\)\.toLowerCase\(\))"));
    QVERIFY2(lowered.match(js).hasMatch(), "app.js no longer lowers the target it dispatches on");
    static const QRegularExpression compared(QStringLiteral(R"(\btarget\s*===\s*'([^']*)')"));
    QSet<QString> handled;
    for (const QRegularExpressionMatch &match : compared.globalMatch(js)) {
        const QString name = match.captured(1);
        const hubcontract::Method *method
            = find(hubcontract::kClientMethods, name, Qt::CaseInsensitive);
        QVERIFY2(method && QString(method->name).toLower() == name,
            qPrintable(QStringLiteral("app.js handles '%1', which is not the lower-case name of "
                                      "a client method in protocol/hubcontract.h")
                           .arg(name)));
        handled.insert(name);
    }
    QCOMPARE(handled.size(), qsizetype(hubcontract::kClientMethods.size()));
}

// The e2e tests drive the node with the official client and keep their string
// literals; each hub method they invoke and each callback they register must
// be named in the contract, but for calls a test expects the node to refuse.
void tst_HubContract::e2eTestsUseContractNames()
{
    const QString sourceDir = qEnvironmentVariable("FARMCHAT_SOURCE_DIR");
    QVERIFY2(!sourceDir.isEmpty(), "FARMCHAT_SOURCE_DIR is not set (run through ctest)");
    const QDir e2e(sourceDir + QStringLiteral("/tests/e2e"));
    QStringList scripts = e2e.entryList({QStringLiteral("*.mjs")}, QDir::Files);
    for (const QString &name :
        QDir(e2e.filePath(QStringLiteral("lib"))).entryList({QStringLiteral("*.mjs")}, QDir::Files))
        scripts.append(QStringLiteral("lib/") + name);
    QVERIFY2(scripts.size() >= 5, qPrintable(e2e.path()));
    int invocations = 0;
    int registrations = 0;
    for (const QString &script : std::as_const(scripts)) {
        const QString js = readFile(e2e.filePath(script));
        const QStringList lines = js.split(u'\n');
        for (const ScriptCall &call : callsOf(js, QStringLiteral("invoke"))) {
            const auto name
                = call.arguments.isEmpty() ? std::nullopt : stringLiteral(call.arguments.first());
            if (!name || lines.at(call.line - 1).contains(u"assert.rejects"))
                continue;
            QVERIFY2(find(hubcontract::kHubMethods, *name, Qt::CaseInsensitive),
                qPrintable(QStringLiteral("%1 line %2 invokes '%3', which "
                                          "protocol/hubcontract.h does not name")
                               .arg(script)
                               .arg(call.line)
                               .arg(*name)));
            ++invocations;
        }
        static const QRegularExpression on(QStringLiteral(R"(\bconnection\.on\(\s*'(\w+)')"));
        for (const QRegularExpressionMatch &match : on.globalMatch(js)) {
            QVERIFY2(find(hubcontract::kClientMethods, match.captured(1), Qt::CaseInsensitive),
                qPrintable(QStringLiteral("%1 registers '%2', which protocol/hubcontract.h "
                                          "does not name")
                               .arg(script, match.captured(1))));
            ++registrations;
        }
    }
    QVERIFY2(invocations >= 20, qPrintable(QString::number(invocations)));
    QVERIFY2(registrations >= 2, qPrintable(QString::number(registrations)));
}

QTEST_GUILESS_MAIN(tst_HubContract)
#include "tst_hubcontract.moc"
