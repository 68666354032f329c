// ElidedLabel: a pane header's text ends in "…" when narrow, never mid-word
// without a mark, and the whole text is one hover away.
#include "app/elidedlabel.h"

#include <QTest>

using namespace farmchat;

class tst_ElidedLabel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void wholeTextWhenItFits()
    {
        ElidedLabel label;
        label.setText(QStringLiteral("connected"));
        label.setDetail(QStringLiteral("last error: none"));
        label.resize(label.sizeHint());
        QVERIFY(!label.isElided());
        QCOMPARE(label.toolTip(), QStringLiteral("last error: none"));
    }

    void elidedWhenNarrowWithTheWholeTextAsTooltip()
    {
        ElidedLabel label;
        const QString text = QStringLiteral("disconnected — reconnecting…");
        label.setText(text);
        label.setDetail(QStringLiteral("connection refused"));
        label.show(); // a hidden widget gets its resize events when shown
        QVERIFY(QTest::qWaitForWindowExposed(&label));
        label.resize(label.sizeHint().width() / 3, label.sizeHint().height());
        QVERIFY(label.isElided());
        QCOMPARE(label.text(), text); // the text itself is kept whole
        QCOMPARE(label.toolTip(), text + QStringLiteral("\nconnection refused"));

        label.resize(label.sizeHint());
        QVERIFY(!label.isElided());
        QCOMPARE(label.toolTip(), QStringLiteral("connection refused"));
    }

    void sizeHintFollowsTheText()
    {
        ElidedLabel label;
        label.setText(QStringLiteral("a"));
        const int shortWidth = label.sizeHint().width();
        label.setText(QStringLiteral("a much longer state text"));
        QVERIFY(label.sizeHint().width() > shortWidth);
        QVERIFY(label.minimumSizeHint().width() < shortWidth * 3);
        QVERIFY(label.minimumSizeHint().width() > 0);
    }
};

QTEST_MAIN(tst_ElidedLabel)
#include "tst_elidedlabel.moc"
