#include <QFile>
#include <QRegularExpression>
#include <QTest>

// The web chat page as the node links it: every file is in the resources
// (linked from a static library, no Q_INIT_RESOURCE), refers only to files
// next to it, and puts no user data into the page as markup.
class tst_WebPage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void files_data();
    void files();
    void localReferencesOnly();
    void noMarkupFromData_data();
    void noMarkupFromData();

private:
    static QString read(const QString &name);
};

QString tst_WebPage::read(const QString &name)
{
    QFile file(QStringLiteral(":/web/") + name);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

void tst_WebPage::files_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("mustContain");
    QTest::addRow("index.html") << QStringLiteral("index.html")
                                << QStringLiteral("<!DOCTYPE html>");
    QTest::addRow("app.js") << QStringLiteral("app.js") << QStringLiteral("negotiateVersion=1");
    QTest::addRow("style.css") << QStringLiteral("style.css")
                               << QStringLiteral("prefers-color-scheme: dark");
}

void tst_WebPage::files()
{
    QFETCH(QString, name);
    QFETCH(QString, mustContain);
    const QString text = read(name);
    QVERIFY2(!text.isEmpty(), qPrintable(QStringLiteral(":/web/%1 is missing or empty").arg(name)));
    QVERIFY(text.contains(mustContain));
}

// The page must work offline: whatever it loads comes from its own node.
void tst_WebPage::localReferencesOnly()
{
    const QString html = read(QStringLiteral("index.html"));
    static const QRegularExpression reference(QStringLiteral("(?:src|href)=\"([^\"]*)\""));
    int checked = 0;
    for (const auto &match : reference.globalMatch(html)) {
        const QString target = match.captured(1);
        if (target.startsWith(u"data:"))
            continue;
        QVERIFY2(!target.contains(u':') && !target.startsWith(u"//"), qPrintable(target));
        QVERIFY2(QFile::exists(QStringLiteral(":/web/") + target),
            qPrintable(
                QStringLiteral("index.html refers to %1, which is not in :/web").arg(target)));
        ++checked;
    }
    QCOMPARE(checked, 2); // app.js and style.css
    static const QRegularExpression url(QStringLiteral("\\b(?:https?|wss?)://"));
    for (const QString &name :
        {QStringLiteral("index.html"), QStringLiteral("app.js"), QStringLiteral("style.css")})
        QVERIFY2(!url.match(read(name)).hasMatch(),
            qPrintable(name + QStringLiteral(" names an absolute URL")));
}

void tst_WebPage::noMarkupFromData_data()
{
    QTest::addColumn<QString>("sink");
    for (const char *sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
             "eval(", "new Function", "createContextualFragment"})
        QTest::addRow("%s", sink) << QString::fromLatin1(sink);
}

// Text from users reaches the DOM through textContent only.
void tst_WebPage::noMarkupFromData()
{
    QFETCH(QString, sink);
    const QString js = read(QStringLiteral("app.js"));
    QVERIFY(!js.isEmpty());
    QVERIFY2(!js.contains(sink), qPrintable(QStringLiteral("app.js uses %1").arg(sink)));
    QVERIFY(js.contains(QStringLiteral(".textContent = m.text")));
}

QTEST_GUILESS_MAIN(tst_WebPage)
#include "tst_webpage.moc"
