"""Rebuild thucnews.jsonl: 1,000 real openings of Sina news (THUCNews, 2005-2011), labels attached.

Run ``python thucnews_openings.py GITDIR > thucnews.jsonl`` in this folder, GITDIR a bare clone
of the repository in SOURCE (the text is read with ``git show COMMIT:PATH``; nothing else of it
is kept here). Each line of the file is ``category<TAB>title+content``: THUCNews as the cnews
sample keeps it, the headline run straight into the story with no separator (…季后赛复出新浪体育讯
北京时间…). `text` is the first 200 characters of that, as stored. THUCNews keeps no date, so
`issue_date` is null and so is every `dateline_date`: a 6月30日电 names no year.

Labels: an opening whose first 120 characters hold none of 讯, 电, 报道, 消息, 记者 has no
dateline, since every formula ends with one of them and every credit carries one (that rule
labels 490 of the 1,000; every twelfth of them, 41, was read to check it). The other 510 were
each read by eye and are labelled in LABELS below; 46 are left out with the reason written there.
No parser produced a label.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

SOURCE = (
    "qianshuang/dl-exp",
    "0ff7afa0588c61940868d24099c7cbecc8ee9b54",
    "data/cnews/cnews.val.txt",
)
LEAD_CHARS = 200
#: What every dateline or credit carries; an opening without any in its first 120 characters
#: has no dateline.
TERMS = re.compile("讯|电|报道|消息|记者")
TERMS_REACH = 120

#: Line number -> `raw|outlet|place|reporters` as read (place `country/place` when a country
#: qualifies it), `-` for no dateline, `x reason` for an opening left out.
LABELS_TEXT = """
0 新浪体育讯|新浪体育||
1 -
3 -
4 -
5 新浪体育讯|新浪体育||
7 -
10 -
11 -
13 本报讯|本报||吴倩
14 新华网北京7月26日电|新华网|北京|
17 人民网北京6月30日电|人民网|北京|
19 -
21 -
23 新浪娱乐讯|新浪娱乐||
24 -
25 中新社北京六月二十五日电|中新社|北京|
26 新浪体育讯|新浪体育||
28 新快报(微博)讯|新快报||梁晓雯
29 -
31 -
32 -
33 新华网俄罗斯叶卡捷琳堡5月18日电|新华网|俄罗斯/叶卡捷琳堡|刘洋,张亚晨
37 中广网呼和浩特8月3日消息|中广网|呼和浩特|陈青平,崔艳凤,张鹏
38 -
39 -
42 南方日报讯|南方日报||谢思佳
43 新浪体育讯|新浪体育||
46 全景网2月12日讯|全景网||
48 晨报讯|晨报||徐晶晶
50 新浪娱乐讯|新浪娱乐||
51 新浪娱乐讯|新浪娱乐||
52 -
53 中新网(微博)10月16日电|中新网||
54 新浪体育讯|新浪体育||
55 -
56 x an outlet and its credit with no 讯/电 (北京考试报（记者 马海丽）): no convention
58 -
61 中新网5月28日电|中新网||
62 本报讯|本报||
63 北京考试报讯|北京考试报||
65 本报讯|本报||廖筱婧
67 -
69 -
71 新华网香港7月8日电|新华网|香港|
72 -
73 中新网6月8日电|中新网||
74 -
75 新浪娱乐讯|新浪娱乐||
77 本报华盛顿7月26日电|本报|华盛顿|温宪
78 新华网北京6月10日电|新华网|北京|
80 新浪体育讯|新浪体育||
81 新浪娱乐讯|新浪娱乐||
84 新浪体育讯|新浪体育||
88 新浪体育讯|新浪体育||
89 中新网6月19日电|中新网||
91 新浪体育讯|新浪体育||
95 x a site's bracketed desk credit (（中关村在线数码相机行情报道）): no convention
96 x a site's bracketed desk credit (（中关村在线数码相机行情报道）): no convention
97 -
98 -
102 -
103 羊城晚报讯|羊城晚报||
105 x a credit with its own date and place after it (新浪体育讯驻美记者郭海舟4月24日波特兰报道)
106 x a site's bracketed desk credit (【山东IT在线报道】): no convention
107 新浪娱乐讯|新浪娱乐||
109 x a reporter's name inside the formula (新浪家居谢娟讯)
110 -
111 -
112 中新网7月26日电|中新网||
113 据新华社电|新华社||
115 中新网8月4日电|中新网||
116 -
117 新浪娱乐讯|新浪娱乐||
119 -
120 新浪体育讯|新浪体育||
122 新浪体育讯|新浪体育||
124 新浪体育讯|新浪体育||
127 新华网莫斯科6月16日电|新华网|莫斯科|
129 新浪娱乐讯|新浪娱乐||
132 -
134 晚报讯|晚报||
137 中新网(微博)北京9月21日电|中新网|北京|张曦
141 新华网北京7月12日电|新华网|北京|隋笑飞
142 -
145 -
146 中新网9月19日电|中新网||
148 本报讯|本报||叶洲
149 新浪娱乐讯|新浪娱乐||
151 华奥星空2月13日电|华奥星空||杨宝岩
156 中国台湾网8月1日消息|中国台湾网||
163 新浪娱乐讯|新浪娱乐||
165 中新社北京七月十四日电|中新社|北京|王海波,张冬冬
166 -
169 北京考试报讯|北京考试报||马海丽
172 -
174 据新华社电|新华社||
176 -
177 荆楚网消息|荆楚网||
182 本报讯|本报||张奕,范凌子
183 新浪体育讯|新浪体育||
184 中新网7月8日电|中新网||
185 新快报讯|新快报||钟欣
186 -
188 中新网8月24日电|中新网||
190 新浪娱乐讯|新浪娱乐||
192 本报讯|本报||付建利
195 -
199 -
200 x a site's bracketed desk credit (（中关村在线数码影像行情报道）): no convention
201 新浪娱乐讯|新浪娱乐||
202 x an outlet's 报道 with no formula (文汇报报道): attribution?
203 中广网北京7月6日消息|中广网|北京|
205 -
208 新浪体育讯|新浪体育||
209 中新社香港六月十二日电|中新社|香港|
212 新浪娱乐讯|新浪娱乐||
216 x an outlet's 报道 with no formula (人民网(微博)报道): attribution?
217 新华网北京6月24日电|新华网|北京|陈寂,黄富慧
218 中新网10月10日电|中新网||
219 中新网9月21日电|中新网||
221 本报讯|本报||吴敏
224 本报讯|本报||吴鹏,李静睿
226 新浪娱乐讯|新浪娱乐||
227 新浪体育讯|新浪体育||
229 新浪体育讯|新浪体育||
230 新浪娱乐讯|新浪娱乐||
235 新浪娱乐讯|新浪娱乐||
237 -
238 -
241 -
242 -
244 -
247 -
248 中新社香港七月十六日电|中新社|香港|周志彬
250 新浪体育讯|新浪体育||
254 新浪娱乐讯|新浪娱乐||
258 -
259 新浪体育讯|新浪体育||
260 -
262 中新网7月12日电|中新网||
263 新浪娱乐讯|新浪娱乐||
264 -
266 新华社北京7月2日电|新华社|北京|雷敏
267 新浪娱乐讯|新浪娱乐||
268 本报讯|本报||张艺
271 x a place and 消息 with no outlet (香港消息): no convention
275 本报讯|本报||朱景锋
277 新浪娱乐讯|新浪娱乐||
278 本报讯|本报||胡笑红
280 -
283 新浪体育讯|新浪体育||
284 信息时报讯|信息时报||曾小花
285 中新社莫斯科五月二十日电|中新社|莫斯科|田冰
286 全景网3月23日讯|全景网||
287 本报讯|本报||张兆瑞
288 新浪娱乐讯|新浪娱乐||
291 -
292 x a round-up of one agency (综合新华社电): no convention for its outlet
293 本报讯|本报||王振国
296 新浪体育讯|新浪体育||
298 新浪体育讯|新浪体育||
299 中新网6月24日电|中新网||
301 新浪体育讯|新浪体育||
303 新浪体育讯|新浪体育||
308 新浪体育讯|新浪体育||
309 -
310 -
312 -
314 -
319 中国台湾网7月25日消息|中国台湾网||
320 本报讯|本报||马力,王国海
321 中新网(微博)9月22日电|中新网||
322 -
323 人民网北京7月23日电|人民网|北京|
326 本报讯|本报||徐思伽,严子健
328 新浪体育讯|新浪体育||
330 新浪娱乐讯|新浪娱乐||
339 中新网7月11日电|中新网||
341 新浪体育讯|新浪体育||
345 -
346 x a site's bracketed desk credit (（中关村在线数码影像行情报道）): no convention
348 新华网意大利拉奎拉7月8日电|新华网|意大利/拉奎拉|刘东凯,王星桥
351 x a site's bracketed desk credit (（中关村在线数码相机行情报道）): no convention
354 新浪娱乐讯|新浪娱乐||
356 本报讯|本报||孙娟,何宇
358 x a credit with its own date and place and no formula (记者姜业庆2月18日北京报道)
360 -
361 x the reporter's name is damaged by the decoding (记者 姚?)
363 中广网北京7月10日消息|中广网|北京|聂巧
365 新浪体育讯|新浪体育||
366 新浪体育讯|新浪体育||
369 新浪娱乐讯|新浪娱乐||
370 -
371 新浪体育讯|新浪体育||
372 新浪体育讯|新浪体育||
374 -
375 新浪体育讯|新浪体育||
376 新浪财经讯|新浪财经||
377 -
380 台海网7月20日讯|台海网||
381 新浪体育讯|新浪体育||
383 x a site's bracketed desk credit (（中关村在线数码相机行情报道）): no convention
384 新浪娱乐讯|新浪娱乐||
386 新浪体育讯|新浪体育||
389 新浪娱乐讯|新浪娱乐||
390 -
394 新华网北京9月18日体育电|新华网|北京|公兵
395 x a site's bracketed desk credit (（中关村在线数码相机行情报道）): no convention
397 -
398 环球网讯|环球网||
402 -
403 -
404 新浪体育讯|新浪体育||
405 x a name padded inside (证券时报记者 陈 墨本报讯): whether 陈墨 or two names cannot be told
407 新浪体育讯|新浪体育||
408 新浪体育讯|新浪体育||
409 新浪体育讯|新浪体育||
411 新浪体育讯|新浪体育||
413 x a site's bracketed desk credit (（中关村在线数码相机行情报道）): no convention
416 -
418 新浪娱乐讯|新浪娱乐||
419 本报北京9月27日电|本报|北京|朱思雄,廖文根
421 中新网8月4日电|中新网||
422 中新社北京六月十七日电|中新社|北京|张朔
424 新浪体育讯|新浪体育||
427 -
428 本报讯|本报||邵泽慧
430 -
432 -
433 -
434 新浪体育讯|新浪体育||
435 新浪娱乐讯|新浪娱乐||
436 -
437 -
438 新浪体育讯|新浪体育||
439 -
441 -
442 中新网北京9月19日电|中新网|北京|
444 本报讯|本报||钟晶晶
445 -
446 新浪体育讯|新浪体育||
447 -
448 中新网(微博)10月18日电|中新网||
449 本报讯|本报||张若斌
450 新浪娱乐讯|新浪娱乐||
452 x a site's bracketed desk credit (（中关村在线数码相机行情报道）): no convention
453 本报讯|本报||
454 -
456 x an editor credited after the formula (（编辑/周筠）): is an editor a reporter?
460 本报讯|本报||张东妮
461 -
463 新浪体育讯|新浪体育||
464 新浪体育讯|新浪体育||
466 新华网消息|新华网||
467 新浪体育讯|新浪体育||
468 x a site's bracketed desk credit (（中关村在线数码影像行情报道）): no convention
469 x a site's bracketed desk credit (【山东IT在线报道】): no convention
470 中广网北京6月30日消息|中广网|北京|焦莹
471 新浪体育讯|新浪体育||
472 新浪娱乐讯|新浪娱乐||
474 新浪体育讯|新浪体育||
476 新浪体育讯|新浪体育||
477 新浪体育讯|新浪体育||
478 中新网7月3日电|中新网||
484 全景网3月6日讯|全景网||
488 -
496 新浪体育讯|新浪体育||
505 新浪娱乐讯|新浪娱乐||
506 新浪体育讯|新浪体育||
509 -
515 新浪体育讯|新浪体育||
517 本报讯|本报||徐春柳
521 -
526 -
527 -
529 新浪体育讯|新浪体育||
530 中新网6月24日电|中新网||
533 -
537 -
545 新浪娱乐讯|新浪娱乐||
546 x an outlet and date with no 电 (中新网8月16日 据…): damaged or a style of its own
547 本报讯|本报||孟为
548 -
552 -
556 中新网(微博)9月27日电|中新网||
557 -
558 新浪娱乐讯|新浪娱乐||
559 x a teaser with links stands before the formula (…>>>点击进入…直播间(22日11时开通)新浪娱乐讯)
561 -
562 -
563 中新网9月23日电|中新网||
564 x an outlet and its credit with no 讯/电 (投资者报 (记者 申俊龙)): no convention
566 -
568 中新网5月21日电|中新网||
569 -
570 新浪娱乐讯|新浪娱乐||
571 -
573 新浪体育讯|新浪体育||
574 新浪体育讯|新浪体育||
578 新浪体育讯|新浪体育||
579 -
581 新浪体育讯|新浪体育||
584 新华网北京7月16日电|新华网|北京|
587 新浪娱乐讯|新浪娱乐||
588 新浪体育讯|新浪体育||
590 新浪体育讯|新浪体育||
591 新浪体育讯|新浪体育||
595 新浪体育讯|新浪体育||
596 -
597 x a site's bracketed desk credit (【山东IT在线报道】): no convention
598 x a site's bracketed desk credit (【山东IT在线报道】): no convention
601 -
604 -
605 新浪体育讯|新浪体育||
607 新浪体育讯|新浪体育||
609 -
610 中新网7月24日电|中新网||
611 新浪体育讯|新浪体育||
614 中新网6月4日电|中新网||
615 新浪娱乐讯|新浪娱乐||
618 新浪娱乐讯|新浪娱乐||
620 新浪娱乐讯|新浪娱乐||
623 x an outlet's 报道 with no formula (信息时报报道): attribution?
624 中广网北京6月4日消息|中广网|北京|焦莹
625 -
626 -
630 新浪体育讯|新浪体育||
631 新华网北京7月21日电|新华网|北京|
632 新浪体育讯|新浪体育||
635 -
636 新华网北京6月3日电|新华网|北京|荣燕
637 x a site's bracketed desk credit (【山东IT在线报道】): no convention
638 -
648 新浪体育讯|新浪体育||
654 -
655 新浪娱乐讯|新浪娱乐||
658 -
662 新浪娱乐讯|新浪娱乐||
667 北京考试报讯|北京考试报||马海丽
668 本报讯|本报||郭少峰
674 晶报讯|晶报||
676 新浪娱乐讯|新浪娱乐||
677 新浪体育讯|新浪体育||
678 新浪体育讯|新浪体育||
681 -
684 新浪娱乐讯|新浪娱乐||
686 -
687 -
688 x a site's bracketed desk credit (（中关村在线数码影像行情报道）): no convention
690 中新网6月27日电|中新网||
691 中新网8月22日电|中新网||
693 新浪体育讯|新浪体育||戴高乐
694 -
695 新浪体育讯|新浪体育||
696 x a site's bracketed desk credit (（中关村在线数码影像行情报道）): no convention
698 本报讯|本报||敖晓波
700 -
705 -
706 x an outlet, a date and 报道 (东方网 9月29日报道：): no convention
708 x a 题 line and a credit between formula and story (新华网长沙6月14日电 题：…新华社记者李斌)
709 新华网斯德哥尔摩2月26日电|新华网|斯德哥尔摩|吴平
711 本报讯|本报||
712 x a site's bracketed desk credit (【山东IT在线报道】): no convention
714 新浪娱乐讯|新浪娱乐||
717 新浪体育讯|新浪体育||
721 -
722 本报讯|本报||常燕,任茜茜,魏梅竹
724 x the formula, if any, lies past the cut (…恢复正常。本报)
726 -
729 新浪娱乐讯|新浪娱乐||
731 新浪娱乐讯|新浪娱乐||
738 -
739 中广网北京6月27日消息|中广网|北京|
740 新浪体育讯|新浪体育||
741 -
743 新浪体育讯|新浪体育||
744 新浪娱乐讯|新浪娱乐||
746 新浪体育讯|新浪体育||
747 中广网北京5月18日消息|中广网|北京|
748 新浪体育讯|新浪体育||
749 新浪体育讯|新浪体育||
751 全景网2月12日讯|全景网||
753 新浪体育讯|新浪体育||
755 新浪体育讯|新浪体育||
757 新浪体育讯|新浪体育||
759 国际在线消息|国际在线||常昕
761 新浪体育讯|新浪体育||高嵩
763 -
765 中新网6月19日电|中新网||
767 -
768 -
770 新浪体育讯|新浪体育||
772 新浪体育讯|新浪体育||
774 新浪体育讯|新浪体育||
775 新浪娱乐讯|新浪娱乐||
778 -
779 新浪娱乐讯|新浪娱乐||
781 -
782 -
788 x an outlet's 报道 with no formula (中国教育报(微博)报道): attribution?
790 x a name padded inside (证券时报记者 徐 飞本报讯): whether 徐飞 or two names cannot be told
794 新浪体育讯|新浪体育||
796 国际在线消息|国际在线||常昕
798 新浪体育讯|新浪体育||
800 新浪体育讯|新浪体育||
801 新浪娱乐讯|新浪娱乐||
802 -
803 本报讯|本报||孙琳琳
805 -
806 新浪体育讯|新浪体育||
807 新快报讯|新快报||吴谭
808 新浪娱乐讯|新浪娱乐||
811 -
813 全景网2月27日讯|全景网||
814 新浪体育讯|新浪体育||
818 新华网北京6月16日电|新华网|北京|张晓松,徐博
819 x a round-up of one agency (综合新华社电): no convention for its outlet
821 新浪娱乐讯|新浪娱乐||
822 新浪体育讯|新浪体育||
824 x an untitled name glued between the headline and the formula (…获批安仲文本报讯)
826 x a name glued before a round-up (蔡锦本报综合报道)
827 新浪体育讯|新浪体育||
832 -
833 新华网莫斯科5月29日电|新华网|莫斯科|卢敬利
837 新浪体育讯|新浪体育||
842 新报讯|新报||任强
844 中新网9月27日电|中新网||
845 -
849 新浪娱乐讯|新浪娱乐||
850 -
852 晨报讯|晨报||王丽娅
854 本报讯|本报||
855 中新网7月22日电|中新网||
858 本报讯|本报||
860 -
861 信息时报讯|信息时报||袁峰
862 晨报讯|晨报||杨舒萌
863 新浪体育讯|新浪体育||
864 -
866 -
867 中新网6月30日电|中新网||
869 -
873 新浪娱乐讯|新浪娱乐||
875 -
876 x a wire flash (新华网快讯：): no convention
878 新浪娱乐讯|新浪娱乐||
880 中新社杭州9月23日电|中新社|杭州|陈佳
882 -
884 中新网杭州9月26日电|中新网|杭州|夏毅
887 中新网7月22日电|中新网||
888 新浪体育讯|新浪体育||
889 新浪娱乐讯|新浪娱乐||
893 -
897 -
898 新浪体育讯|新浪体育||
899 【本报讯】|本报||徐强
900 新报讯|新报||王伟
902 -
903 中新网6月5日电|中新网||
905 红网9月24日讯|红网||朱青
906 -
909 新华网西宁7月10日电|新华网|西宁|
910 x an outlet, place and date with no 电 (人民网台北5月21日（记者…）)
912 新浪体育讯|新浪体育||
913 新华网北京7月3日电|新华网|北京|李亚杰,李菲
915 本报讯|本报||周文亮
916 新浪体育讯|新浪体育||
917 新浪娱乐讯|新浪娱乐||
918 -
920 中广网北京7月20日消息|中广网|北京|孙利
921 -
924 新浪体育讯|新浪体育||
925 新浪娱乐讯|新浪娱乐||
927 中新网6月26日电|中新网||
929 新浪娱乐讯|新浪娱乐||
931 新浪体育讯|新浪体育||
934 -
937 北京考试报讯|北京考试报||马海丽
940 本报讯|本报||敖晓波
943 -
944 -
946 新浪体育讯|新浪体育||
947 新浪体育讯|新浪体育||
951 -
952 -
954 x a name padded inside (证券时报记者 杨 磊本报讯): whether 杨磊 or two names cannot be told
956 -
958 x a site's bracketed desk credit (（中关村在线数码影像行情报道）): no convention
959 新浪体育讯|新浪体育||
961 -
962 新浪体育讯|新浪体育||
964 本报讯|本报||许超声
965 本报讯|本报||张小乙,赵崇霖,郭秀娟
966 中新社北京2月2日电|中新社|北京|阮煜琳
967 中广网北京6月15日消息|中广网|北京|王健
968 中广网北京6月24日消息|中广网|北京|焦莹
969 新浪娱乐讯|新浪娱乐||
972 新浪体育讯|新浪体育||
975 -
977 中新网5月22日电|中新网||
979 -
980 晚报讯|晚报||冯兰蔺
990 新浪娱乐讯|新浪娱乐||
991 -
993 -
994 -
995 x a credit with its own date and place and no formula (记者袁俊2月9日东莞报道)
996 本报讯|本报||马力
997 新浪体育讯|新浪体育||
999 -
"""


def labels() -> dict[int, str]:
    """LABELS_TEXT as a mapping."""
    out: dict[int, str] = {}
    for line in LABELS_TEXT.strip().splitlines():
        number, _, rest = line.partition(" ")
        out[int(number)] = rest
    return out


def lines(git_dir: str) -> list[tuple[str, str]]:
    """(category, title+content) of each line of the file, in order."""
    repo, commit, path = SOURCE
    del repo
    raw = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    out = []
    for line in raw.splitlines():
        category, _, text = line.partition("\t")
        out.append((category, text))
    return out


def expected(label: str | None) -> dict[str, object]:
    """The labels of one opening in the shared shape; None is the no-dateline rule."""
    if label is None or label == "-":
        return {"dateline_raw": None, "dateline_date": None, "outlet": None, "location": None,
                "reporters": []}  # fmt: skip
    raw, outlet, place, names = label.split("|")
    country, _, town = place.rpartition("/")
    out: dict[str, object] = {
        "dateline_raw": raw,
        "dateline_date": None,
        "outlet": outlet,
        "location": town or None,
        "reporters": [n for n in names.split(",") if n],
    }
    if country:
        out["location_qualifier"] = country
    return out


def main(argv: list[str]) -> None:
    repo, commit, path = SOURCE
    known = labels()
    for number, (category, text) in enumerate(lines(argv[1])):
        label = known.get(number)
        if label is None and TERMS.search(text, 0, TERMS_REACH):
            raise SystemExit(f"line {number} needs a label by eye")
        if label is not None and label.startswith("x "):
            continue
        item = {
            "id": f"th{number:04d}",
            "text": text[:LEAD_CHARS],
            "issue_date": None,
            "expected": expected(label),
            "source": f"github:{repo}@{commit}:{path}#L{number + 1}",
            "publication": "新浪网",
            "category": category,
            "labelled_by": "rule" if label is None else "eye",
        }
        print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
