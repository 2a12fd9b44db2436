/**
 * Prompt pairs written for the semantic cache tests. `hit`: the second prompt
 * asks the same thing as the first and may get its answer. `miss`: the second
 * differs in something the answer depends on (a number, a negation, an entity,
 * a unit, a date, a quoted string, a direction or an opposite) and must never
 * get the first one's answer.
 */
export const hit: ReadonlyArray<readonly [string, string]> = [
  ["What is the capital of France?", "What's the capital city of France?"],
  ["Convert 5 km to miles", "How many miles is 5 km?"],
  ["Is ibuprofen safe during pregnancy?", "Is it safe to take ibuprofen during pregnancy?"],
  ["How do I reverse a list in Python?", "How can I reverse a list in Python?"],
  ["Explain the theory of relativity in simple terms", "Explain relativity theory in simple terms"],
  ["What are the symptoms of diabetes?", "What symptoms does diabetes have?"],
  ["Translate 'good morning' into German", "How do you say 'good morning' in German?"],
  ["Who wrote Pride and Prejudice?", "Who is the author of Pride and Prejudice? Who wrote it?"],
  ["What is the boiling point of water at sea level?", "At sea level, what is the boiling point of water?"],
  ["How many days are in a leap year?", "How many days does a leap year have?"],
  ["Summarize the plot of Hamlet", "Please summarize the plot of Hamlet"],
  ["What is the population of Tokyo?", "What's the population of Tokyo?"],
  ["How do I make a cup of green tea?", "How to make a cup of green tea?"],
  ["List the planets of the solar system", "List all planets in the solar system"],
  ["What does HTTP status 404 mean?", "What is the meaning of HTTP status 404?"],
  ["Write a haiku about autumn leaves", "Write me a haiku about autumn leaves"],
  ["What is the speed of light in a vacuum?", "What's the speed of light in vacuum?"],
  ["How do I center a div in CSS?", "How can I center a div with CSS?"],
  ["What is the difference between TCP and UDP?", "What's the difference between UDP and TCP?"],
  ["Recommend a good book about Roman history", "Can you recommend a good book on Roman history?"],
  ["Why is the sky blue?", "Why does the sky look blue?"],
  ["How long should I boil an egg?", "How long do I boil an egg?"],
  ["What is 15% of 200?", "What's 15 percent of 200?"],
  ["Define photosynthesis", "Please define photosynthesis."],
  ["What year did World War 2 end?", "In what year did World War 2 end?"],
  ["Is Rust faster than Go?", "Is Rust faster than Go for web servers?"],
  ["How do I convert a string to an int in Java?", "In Java, how do I convert a string to an int?"],
  ["Give me 3 tips for better sleep", "Give me three tips for better sleep"],
  ["What is the weather like in Paris today?", "How is the weather in Paris today?"],
  ["Set a timer for 10 minutes", "Please set a 10 minute timer"]
]

export const miss: ReadonlyArray<readonly [string, string]> = [
  // numbers
  ["Convert 5 km to miles", "Convert 50 km to miles"],
  ["How many calories are in 2 eggs?", "How many calories are in 3 eggs?"],
  ["Give me 3 tips for better sleep", "Give me 5 tips for better sleep"],
  ["Summarize the article in 100 words", "Summarize the article in 100 sentences"],
  ["Who won the 2018 World Cup?", "Who won the 2022 World Cup?"],
  ["Explain the causes of World War 1", "Explain the causes of World War 2"],
  ["What is -5 °C in Fahrenheit?", "What is 5 °C in Fahrenheit?"],
  // negations
  ["Is ibuprofen safe during pregnancy?", "Is ibuprofen not safe during pregnancy?"],
  ["Should I take aspirin with food?", "Should I not take aspirin with food?"],
  ["How do I cook rice with a rice cooker?", "How do I cook rice without a rice cooker?"],
  ["Why is my code working?", "Why isn't my code working?"],
  // entities
  ["What is the capital of France?", "What is the capital of Spain?"],
  ["Is it safe to drink tap water in Mexico?", "Is it safe to drink tap water in Canada?"],
  ["What is the distance from London to Paris?", "What is the distance from London to Rome?"],
  ["Write a Python function to reverse a string", "Write a JavaScript function to reverse a string"],
  ["What time is it in New York?", "What time is it in Los Angeles?"],
  ["Is the Eiffel Tower taller than the Statue of Liberty?", "Is the Eiffel Tower taller than Big Ben?"],
  // units
  ["Convert 5 km to miles", "Convert 5 miles to km"],
  ["Set a timer for 10 minutes", "Set a timer for 10 seconds"],
  ["What is the price of gold in USD?", "What is the price of gold in EUR?"],
  ["Convert 100 °F to Celsius", "Convert 100 °C to Fahrenheit"],
  // dates
  ["What was the weather in Berlin on March 3?", "What was the weather in Berlin on April 3?"],
  ["What is the weather like in Paris today?", "What is the weather like in Paris tomorrow?"],
  ["What happened on Monday?", "What happened on Friday?"],
  // quoted strings
  ["Translate 'good morning' into German", "Translate 'good night' into German"],
  ["What does \"carpe diem\" mean?", "What does \"memento mori\" mean?"],
  // directions and opposites
  ["How do I convert a string to an int in Java?", "How do I convert an int to a string in Java?"],
  ["Is Rust faster than Go?", "Is Go faster than Rust?"],
  ["Sort the list [3, 1, 2] in ascending order", "Sort the list [3, 1, 2] in descending order"],
  ["Is coffee good for you?", "Is coffee bad for you?"]
]
